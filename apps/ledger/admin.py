"""Django admin (superusers only): a read-only window on the ledger. Nothing can be added, changed or deleted."""

from django.contrib import admin

from apps.ledger.models import LedgerEntry


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = ("sequence", "recorded_at", "direction", "kind", "outcome", "entity", "connector", "actor_name")
    list_filter = ("direction", "outcome")
    search_fields = ("kind", "source_id", "document", "target_id", "correlation_id")
    show_full_result_count = False  # no COUNT(*) over millions of rows
    actions = None

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
