"""Admin pages that change access ask for a reason, and run the change inside access_change.

Users (roles = groups, model permissions, superuser/staff/active) and the object permissions of legal entities
(guardian's "Object permissions" pages) are access: the ledger records every change with the admin user as actor
and the reason typed here (apps.ledger.receivers), and refuses a change without one. Users and groups are not
deleted from the admin: ledger entries name them; deactivate a user, or empty a group, instead (both recorded).
"""

from contextlib import nullcontext

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group

from apps.access.signals import access_change, access_changed
from apps.entities.admin import LegalEntityAdmin
from apps.entities.models import LegalEntity

ACCESS_FIELDS = ("groups", "user_permissions", "is_superuser", "is_staff", "is_active")
STATUS_FIELDS = ("is_superuser", "is_staff", "is_active")
REASON_HELP = "Why this access changes. Mandatory for role, permission or status changes; kept in the ledger."


def _reason_field(required: bool) -> forms.CharField:
    return forms.CharField(required=required, widget=forms.Textarea(attrs={"rows": 2}), help_text=REASON_HELP)


class AuditedUserChangeForm(UserChangeForm):
    reason = _reason_field(required=False)

    def clean(self):
        cleaned = super().clean()
        if set(self.changed_data) & set(ACCESS_FIELDS) and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Give a reason for changing this user's roles, permissions or status.")
        return cleaned


class AuditedUserAdmin(UserAdmin):
    form = AuditedUserChangeForm
    fieldsets = (*UserAdmin.fieldsets, ("Reason for the access change", {"fields": ("reason",)}))

    def _change(self, request, form):
        reason = (form.cleaned_data.get("reason") or "").strip() if hasattr(form, "cleaned_data") else ""
        return access_change(actor=request.user, reason=reason) if reason else nullcontext()

    def save_model(self, request, obj, form, change):
        with self._change(request, form):
            super().save_model(request, obj, form, change)
            changes = {
                name: [form.initial.get(name), form.cleaned_data[name]]
                for name in STATUS_FIELDS
                if change and name in form.changed_data
            }
            if changes:
                access_changed.send(sender=type(obj), user=obj, changes=changes)

    def save_related(self, request, form, formsets, change):
        with self._change(request, form):
            super().save_related(request, form, formsets, change)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AuditedGroupAdmin(GroupAdmin):
    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _reasoned(form_class, request):
    """Guardian's object-permission form with a mandatory reason; saved inside access_change."""

    class ReasonedObjectPermissionsForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["reason"] = _reason_field(required=True)

        def save_obj_perms(self) -> None:
            with access_change(actor=request.user, reason=self.cleaned_data["reason"]):
                super().save_obj_perms()

    return ReasonedObjectPermissionsForm


class AuditedLegalEntityAdmin(LegalEntityAdmin):
    def get_obj_perms_manage_user_form(self, request):
        return _reasoned(super().get_obj_perms_manage_user_form(request), request)

    def get_obj_perms_manage_group_form(self, request):
        return _reasoned(super().get_obj_perms_manage_group_form(request), request)


for model, model_admin in ((get_user_model(), AuditedUserAdmin), (Group, AuditedGroupAdmin),
                           (LegalEntity, AuditedLegalEntityAdmin)):  # fmt: skip
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
