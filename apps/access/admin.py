from django.contrib import admin
from django.utils import timezone

from apps.access.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Superusers see everyone's tokens (never the secret: only its digest exists) and may revoke them."""

    list_display = ["name", "user", "prefix", "read_only", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["read_only"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = [f.name for f in ApiToken._meta.fields]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False  # tokens are created by their owner, who is the only one ever to see the secret

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoked, never deleted: the list is their history

    @admin.action(description="Revoke the selected tokens now")
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_by=request.user)
        self.message_user(request, f"{count} token(s) revoked.")
