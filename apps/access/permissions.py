"""The one permission helper used by every view, API endpoint and service.

Two questions, always asked together:
- capability: may this user do X at all? A model permission held through a role group (apps/access/roles.py);
- scope: on which objects? Guardian object permissions: per legal entity (`entities.access_entity_data`) for
  documents and exceptions, per object for connectors, flows and mapping sets. A permission held globally
  means every object (auditors, superusers).
"""

from contextlib import nullcontext

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from apps.access.signals import AccessReasonRequired, access_change, current_change

ENTITY_SCOPE_PERM = "entities.access_entity_data"


class AccessDenied(PermissionDenied):
    """Raised by services; views turn it into 403 and the API into a 403 body with the message."""


def can(user, perm: str, obj: Model | None = None) -> bool:
    """True when the user holds `perm` globally or, for `obj`, as an object permission."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.has_perm(perm):
        return True
    return obj is not None and user.has_perm(perm, obj)


def require(user, perm: str, obj: Model | None = None, message: str | None = None) -> None:
    if not can(user, perm, obj):
        raise AccessDenied(message or "You do not have permission to do this.")


def visible(queryset: QuerySet, user, perm: str) -> QuerySet:
    """The objects of `queryset` the user holds `perm` on (all of them when held globally)."""
    if not user or not user.is_authenticated or not user.is_active:
        return queryset.none()
    return get_objects_for_user(user, perm, klass=queryset, accept_global_perms=True, with_superuser=True)


def entities_for(user):
    """Legal entities whose documents and exceptions the user may see."""
    from apps.entities.models import LegalEntity

    return visible(LegalEntity.objects.all(), user, ENTITY_SCOPE_PERM)


def entity_scope(queryset: QuerySet, user, field: str = "entity") -> QuerySet:
    """Restrict an entity-bound queryset (documents, worklist items…) to the user's entities."""
    if not user or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser or user.has_perm(ENTITY_SCOPE_PERM):
        return queryset
    return queryset.filter(**{f"{field}__in": entities_for(user).values("pk")})


def in_entity_scope(user, entity) -> bool:
    return can(user, ENTITY_SCOPE_PERM, entity)


def _reasoned(reason: str | None, actor, what: str):
    """The access_change to run a grant/revoke in: the given reason, else the enclosing block's; else refused."""
    if reason is not None or current_change() is None:
        if not (reason or "").strip():
            raise AccessReasonRequired(f"{what} needs a reason.")
        return access_change(reason=reason, actor=actor)
    return access_change(reason=current_change().reason, actor=actor) if actor is not None else nullcontext()


def grant(user_or_group, perms: list[str], obj: Model, *, reason: str | None = None, actor=None) -> None:
    """Give object permissions (e.g. make a user the owner of a connector or a mapping set).

    Each permission actually added is recorded in the ledger (apps.ledger.receivers) with `actor` and `reason`.
    The reason is mandatory: given here or by an enclosing access_change; else AccessReasonRequired, nothing
    granted.
    """
    with _reasoned(reason, actor, f"Granting {', '.join(perms)} on {obj} to {user_or_group}"):
        for perm in perms:
            assign_perm(perm, user_or_group, obj)


def revoke(user_or_group, perms: list[str], obj: Model, *, reason: str | None = None, actor=None) -> None:
    """Take object permissions back; recorded and refused without a reason exactly like grant()."""
    with _reasoned(reason, actor, f"Revoking {', '.join(perms)} on {obj} from {user_or_group}"):
        for perm in perms:
            remove_perm(perm, user_or_group, obj)
