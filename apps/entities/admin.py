from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from apps.entities.models import LegalEntity


@admin.register(LegalEntity)
class LegalEntityAdmin(GuardedModelAdmin):
    list_display = ("code", "name", "currency", "odoo_company_id", "active")
    search_fields = ("code", "name")
