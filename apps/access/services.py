from contextlib import nullcontext

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from guardian.shortcuts import assign_perm

from apps.access.permissions import ENTITY_SCOPE_PERM
from apps.access.roles import ROLES
from apps.access.signals import access_change, access_changed, required_change


@transaction.atomic
def user_ensure(
    *,
    username: str,
    password: str,
    role: str | None = None,
    entities=(),
    superuser: bool = False,
    email: str = "",
    reason: str = "",
    actor=None,
):
    """Create the user (or reset the password of an existing one) with a role and entity scope. Idempotent.

    Role, entity scope and superuser status are access: whatever this call adds or changes is recorded in the
    ledger with `actor` (default: see access.signals.default_actor) and `reason`, which is then mandatory —
    AccessReasonRequired otherwise, nothing written. A call that changes no access needs no reason.
    """
    if role is not None and role not in ROLES:
        raise ValueError(f"Unknown role {role!r}; roles are {', '.join(ROLES)}")
    User = get_user_model()
    with access_change(reason=reason, actor=actor) if reason else nullcontext():
        user, _ = User.objects.get_or_create(username=username, defaults={"email": email})
        before = {"is_superuser": user.is_superuser, "is_staff": user.is_staff}
        user.is_superuser = user.is_staff = superuser
        changes = {name: [old, superuser] for name, old in before.items() if old != superuser}
        if changes:
            required_change(f"{'Granting' if superuser else 'Removing'} superuser status of {username}")
        user.email = email or user.email
        user.set_password(password)
        user.save()
        if changes:
            access_changed.send(sender=User, user=user, changes=changes)
        if role is not None:
            user.groups.add(Group.objects.get(name=role))
        for entity in entities:
            assign_perm(ENTITY_SCOPE_PERM, user, entity)  # recorded (or refused without a reason) by the ledger
    return user
