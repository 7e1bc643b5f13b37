"""Django admin: read-only views of mappings for superusers.

Nothing can be added, changed or deleted here — in particular no version can be approved or activated from
the admin: every governance step goes through apps.mappings.services, which enforces maker-checker.
"""

from django.contrib import admin

from apps.mappings.models import MappingRule, MappingSet, MappingSetVersion, MasterDataRefresh, MasterRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MappingSet)
class MappingSetAdmin(ReadOnlyAdmin):
    list_display = ("entity", "dimension", "name", "owner")
    list_filter = ("entity", "dimension")


@admin.register(MappingSetVersion)
class MappingSetVersionAdmin(ReadOnlyAdmin):
    list_display = ("mapping_set", "number", "status", "author", "approver", "effective_from", "activated_at")
    list_filter = ("status", "mapping_set__entity")


@admin.register(MappingRule)
class MappingRuleAdmin(ReadOnlyAdmin):
    list_display = ("version", "match", "source_value", "target_model", "target_id", "target_name")
    search_fields = ("source_value", "target_name")


@admin.register(MasterRecord)
class MasterRecordAdmin(ReadOnlyAdmin):
    list_display = ("entity", "kind", "odoo_id", "code", "name", "active", "changed_at")
    list_filter = ("entity", "kind", "active")
    search_fields = ("code", "name")


@admin.register(MasterDataRefresh)
class MasterDataRefreshAdmin(ReadOnlyAdmin):
    list_display = ("entity", "status", "trigger", "created_at", "finished_at")
