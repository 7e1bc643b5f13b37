"""Signal receivers that turn changes made in lower layers into ledger entries (connected in LedgerConfig.ready).

Access (roles and permissions) — apps.access cannot import the ledger, so the ledger watches the rows that hold
access: User.groups (roles), User.user_permissions, guardian's user/group object permissions, and the
`access.signals.access_changed` signal (superuser/staff flags). Every change appends an `audit` entry in the
same transaction, with the field-level diff, the actor and the reason of the enclosing
`access.signals.access_change`. A change outside any access_change is refused before anything is written
(AccessReasonRequired): the reason is mandatory, from the services, the admin, the shell and commands alike.
Rows removed because their user or group is deleted are recorded with the deletion; they need no separate
reason (the deletion itself is recorded by the user/group receivers below when it removes access).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from apps.access.events import security_event
from apps.access.signals import access_changed, current_change, default_actor, required_change
from apps.ledger.models import LedgerEntryDirection
from apps.ledger.services import ledger_append

ROLE_GRANTED, ROLE_REVOKED = "access.role_granted", "access.role_revoked"
PERMISSION_GRANTED, PERMISSION_REVOKED = "access.permission_granted", "access.permission_revoked"
STATUS_CHANGED, ACCOUNT_DELETED = "access.status_changed", "access.account_deleted"
_BEFORE = "_ledger_access_before"  # attribute holding the state captured in the pre_* signal


def _subject(holder) -> dict:
    if isinstance(holder, Group):
        return {"type": "group", "id": str(holder.pk), "name": holder.name}
    return {"type": "user", "id": str(holder.pk), "name": holder.get_username()}


def _record(*, kind: str, subject, changes: dict, obj_model: str = "", obj_id: str = "", entity: str = "",
            extra: dict | None = None, reason: str | None = None) -> None:  # fmt: skip
    change = current_change()
    actor = change.actor if change is not None else default_actor()
    target = {"target_model": obj_model, "target_id": obj_id} if obj_model else {
        "target_model": subject._meta.label_lower, "target_id": str(subject.pk)}  # fmt: skip
    ledger_append(
        kind=kind,
        direction=LedgerEntryDirection.AUDIT,
        actor=actor,
        payload={"subject": _subject(subject), "changes": changes, **(extra or {})},
        entity=entity,
        reason=reason if reason is not None else (change.reason if change is not None else ""),
        **target,
    )


# Roles (group membership) and model permissions held directly by a user -------------------------------------


def _names(queryset) -> list[str]:
    return sorted(queryset)


def _role_names(user) -> list[str]:
    return _names(user.groups.values_list("name", flat=True))


def _direct_permissions(user) -> list[str]:
    return _names(f"{a}.{c}" for a, c in user.user_permissions.values_list("content_type__app_label", "codename"))


def _m2m(field: str, describe, state, kinds: tuple[str, str]):
    """An m2m_changed receiver for User.<field> (forward: instance is a user; reverse: instance is a
    group/permission and pk_set holds user ids)."""

    def receiver(sender, instance, action, reverse, model, pk_set, **kwargs):
        if action not in ("pre_add", "pre_remove", "pre_clear", "post_add", "post_remove", "post_clear"):
            return
        User = get_user_model()
        if action.startswith("pre_"):
            if action == "pre_clear":
                users = [instance] if not reverse else list(instance.user_set.all())
            else:
                if not pk_set:
                    return  # adding what is already there / removing what is not: no change
                users = [instance] if not reverse else list(User.objects.filter(pk__in=pk_set))
            if not users or (action == "pre_clear" and not reverse and not getattr(instance, field).exists()):
                return
            required_change(describe(instance, action, reverse, model, pk_set))
            setattr(instance, _BEFORE, {user.pk: (user, state(user)) for user in users})
            return
        before = instance.__dict__.pop(_BEFORE, None)
        if not before:
            return
        for user, old in before.values():
            new = state(user)
            if new != old:
                kind = kinds[0] if action == "post_add" else kinds[1]
                _record(kind=kind, subject=user, changes={field: [old, new]})

    return receiver


def _describe_roles(instance, action, reverse, model, pk_set) -> str:
    verb, way = ("Adding", "to") if action == "pre_add" else ("Removing", "from")
    if reverse:
        return f"{verb} {len(pk_set or ()) or 'all'} user(s) {way} role {instance.name!r}"
    names = ", ".join(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True)) if pk_set else "all"
    return f"{verb} user {instance.get_username()!r} {way} role(s) {names}"


def _describe_permissions(instance, action, reverse, model, pk_set) -> str:
    verb = "Granting" if action == "pre_add" else "Revoking"
    who = "users" if reverse else repr(instance.get_username())
    return f"{verb} model permission(s) to/from {who}"


_roles_changed = _m2m("groups", _describe_roles, _role_names, (ROLE_GRANTED, ROLE_REVOKED))
_user_permissions_changed = _m2m(
    "user_permissions", _describe_permissions, _direct_permissions, (PERMISSION_GRANTED, PERMISSION_REVOKED)
)


# Guardian object permissions --------------------------------------------------------------------------------


def _holder(row):
    return row.user if hasattr(row, "user_id") else row.group


def _object_facts(row) -> tuple[str, str, str, str]:
    """(model label, object id, entity code, display) of the object a permission row is about."""
    content_type = row.content_type
    label = f"{content_type.app_label}.{content_type.model}"
    obj = content_type.get_object_for_this_type(pk=row.object_pk) if content_type.model_class() else None
    entity = ""
    if obj is not None:
        entity = obj.code if label == "entities.legalentity" else getattr(getattr(obj, "entity", None), "code", "")
    return label, str(row.object_pk), entity or "", str(obj) if obj is not None else f"{label} #{row.object_pk}"


def _object_permissions(row) -> list[str]:
    """Every permission the row's holder has on the row's object (after the change)."""
    rows = type(row).objects.filter(content_type_id=row.content_type_id, object_pk=row.object_pk)
    rows = rows.filter(user_id=row.user_id) if hasattr(row, "user_id") else rows.filter(group_id=row.group_id)
    return sorted(
        f"{a}.{c}" for a, c in rows.values_list("permission__content_type__app_label", "permission__codename")
    )


def _permission_name(row) -> str:
    permission = Permission.objects.select_related("content_type").get(pk=row.permission_id)
    return f"{permission.content_type.app_label}.{permission.codename}"


def _guard_object_permission_save(sender, instance, raw=False, **kwargs):
    if raw or not instance._state.adding:
        return
    required_change(f"Granting {_permission_name(instance)} on {instance.content_type.model} "
                    f"#{instance.object_pk} to {_subject(_holder(instance))['name']!r}")  # fmt: skip


def _object_permission_saved(sender, instance, created, raw=False, **kwargs):
    if raw or not created:
        return
    _object_permission_recorded(instance, granted=True)


def _is_cascade(origin) -> bool:
    """True when the row goes because its user/group (or another owning row) is being deleted."""
    if isinstance(origin, models.QuerySet):
        origin = origin.model
    model = origin if isinstance(origin, type) else type(origin)
    return model not in (get_user_obj_perms_model(), get_group_obj_perms_model())


def _guard_object_permission_delete(sender, instance, origin=None, **kwargs):
    if origin is not None and _is_cascade(origin):
        return
    required_change(f"Revoking {_permission_name(instance)} on {instance.content_type.model} "
                    f"#{instance.object_pk} from {_subject(_holder(instance))['name']!r}")  # fmt: skip


def _object_permission_deleted(sender, instance, origin=None, **kwargs):
    if origin is not None and _is_cascade(origin):
        return  # recorded with the account's deletion (_account_deleting)
    _object_permission_recorded(instance, granted=False)


def _object_permission_recorded(row, *, granted: bool) -> None:
    permission = _permission_name(row)
    after = _object_permissions(row)
    before = sorted(set(after) - {permission}) if granted else sorted({*after, permission})
    label, object_id, entity, display = _object_facts(row)
    _record(
        kind=PERMISSION_GRANTED if granted else PERMISSION_REVOKED,
        subject=_holder(row),
        changes={"object_permissions": [before, after]},
        obj_model=label,
        obj_id=object_id,
        entity=entity,
        extra={"permission": permission, "object": {"model": label, "pk": object_id, "repr": display}},
    )


# Flags and deletions ----------------------------------------------------------------------------------------


def _status_changed(sender, user, changes: dict, **kwargs):
    required_change(f"Changing {', '.join(changes)} of {user.get_username()!r}")
    _record(kind=STATUS_CHANGED, subject=user, changes=changes)


def _account_deleting(sender, instance, **kwargs):
    """A user or group about to be deleted: record the access that goes with it (if any)."""
    if isinstance(instance, Group):
        held = {"members": _names(instance.user_set.values_list("username", flat=True))}
        rows = get_group_obj_perms_model().objects.filter(group=instance)
    else:
        held = {"groups": _role_names(instance), "user_permissions": _direct_permissions(instance),
                "is_superuser": instance.is_superuser}  # fmt: skip
        rows = get_user_obj_perms_model().objects.filter(user=instance)
    held["object_permissions"] = sorted(
        f"{app}.{codename} on {model} #{pk}"
        for app, codename, model, pk in rows.values_list(
            "permission__content_type__app_label", "permission__codename", "content_type__model", "object_pk"
        )
    )
    if not any(held.values()):
        return
    change = required_change(f"Deleting {_subject(instance)['type']} {_subject(instance)['name']!r}")
    _record(kind=ACCOUNT_DELETED, subject=instance, changes={name: [value, None] for name, value in held.items()
                                                            if value}, reason=change.reason)  # fmt: skip


# Security events of access (API tokens, two-factor, lockouts: apps.access.events) -----------------------------


def _security_event(sender, kind: str, user, actor, payload: dict, outcome: str = "ok", reason: str = "", **kwargs):
    """One `audit` entry per event, in the sender's transaction; the target is the account concerned."""
    ledger_append(
        kind=kind,
        direction=LedgerEntryDirection.AUDIT,
        outcome=outcome,
        actor=actor,
        payload=payload,
        target_model="auth.user" if user is not None else "",
        target_id=str(user.pk) if user is not None else "",
        reason=reason,
    )


def _connections():
    """(signal, receiver, sender, dispatch_uid) of every access receiver."""
    User = get_user_model()
    yield m2m_changed, _roles_changed, User.groups.through, "ledger.access.roles"
    yield m2m_changed, _user_permissions_changed, User.user_permissions.through, "ledger.access.user_perms"
    for model in (get_user_obj_perms_model(), get_group_obj_perms_model()):
        uid = f"ledger.access.{model._meta.label_lower}"
        yield pre_save, _guard_object_permission_save, model, f"{uid}.pre_save"
        yield post_save, _object_permission_saved, model, f"{uid}.post_save"
        yield pre_delete, _guard_object_permission_delete, model, f"{uid}.pre_delete"
        yield post_delete, _object_permission_deleted, model, f"{uid}.post_delete"
    yield pre_delete, _account_deleting, User, "ledger.access.user_deleting"
    yield pre_delete, _account_deleting, Group, "ledger.access.group_deleting"
    yield access_changed, _status_changed, None, "ledger.access.status"
    yield security_event, _security_event, None, "ledger.access.security_event"


def connect() -> None:
    for signal, receiver, sender, uid in _connections():
        signal.connect(receiver, sender=sender, dispatch_uid=uid)


def disconnect() -> None:
    """Test setup only (fixture users are not the events under test); production never calls it."""
    for signal, _, sender, uid in _connections():
        signal.disconnect(sender=sender, dispatch_uid=uid)
