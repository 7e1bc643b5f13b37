from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from apps.access.permissions import ENTITY_SCOPE_PERM, grant
from apps.access.roles import ROLES


@transaction.atomic
def user_ensure(
    *, username: str, password: str, role: str | None = None, entities=(), superuser: bool = False, email: str = ""
):
    """Create the user (or reset the password of an existing one) with a role and entity scope. Idempotent."""
    if role is not None and role not in ROLES:
        raise ValueError(f"Unknown role {role!r}; roles are {', '.join(ROLES)}")
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=username, defaults={"email": email})
    user.is_superuser = user.is_staff = superuser
    user.email = email or user.email
    user.set_password(password)
    user.save()
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    for entity in entities:
        grant(user, [ENTITY_SCOPE_PERM], entity)
    return user
