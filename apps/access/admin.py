from django.contrib import admin
from django.utils import timezone

from apps.access import (
    admin_users,  # noqa: F401  (user, group and entity-permission pages ask for a reason)
    events,
)
from apps.access.models import ApiToken, TwoFactorDevice
from apps.access.tokens import _described


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
        tokens = list(queryset.filter(revoked_at__isnull=True).select_related("user"))
        for token in tokens:
            token.revoked_at, token.revoked_by = timezone.now(), request.user
            token.save(update_fields=["revoked_at", "revoked_by"])
            events.security_event_send(
                events.API_TOKEN_REVOKED, user=token.user, actor=request.user, payload=_described(token)
            )
        self.message_user(request, f"{len(tokens)} token(s) revoked.")


@admin.register(TwoFactorDevice)
class TwoFactorDeviceAdmin(admin.ModelAdmin):
    """Who has an authenticator (never its key, which is encrypted). Deleting a device turns two-factor off for
    that user until they enrol again (required roles must enrol at their next sign-in)."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at", "throttling_failure_count"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "name"]
    fields = readonly_fields = ["user", "name", "confirmed", "created_at", "last_used_at", "throttling_failure_count"]

    def has_add_permission(self, request) -> bool:
        return False  # devices are enrolled by their owner (Account → Two-factor)

    def delete_model(self, request, obj):
        self.delete_queryset(request, TwoFactorDevice.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        for device in queryset.select_related("user"):
            device.delete()
            events.security_event_send(
                events.TWO_FACTOR_REMOVED, user=device.user, actor=request.user, payload={"device": device.name},
                reason="Removed in the admin",
            )  # fmt: skip
