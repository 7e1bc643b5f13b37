"""Who a new item goes to: registered owner resolvers first, then the entity's finance controllers.

A resolver is `func(item) -> list[User] | None` (mappings register the owner of the mapping set, flows the
owner of the flow). Resolvers are asked in registration order; the first non-empty answer wins.

Fallback when no resolver answers:
- an item with an entity → the finance controllers holding `entities.access_entity_data` on that entity
  (as an object permission; auditors hold it globally and are never routed anything);
- a technical item without an entity (credential expiring, auth failure) → the integration admins.

Decision: exactly one candidate becomes the assignee (status `assigned`); several candidates are stored in
`routed_to` with no assignee (status `open`) until one of them claims it. Routing runs once, when the item
opens; re-failures keep whatever assignment exists.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from guardian.shortcuts import get_users_with_perms

from apps.access.roles import FINANCE_CONTROLLER, INTEGRATION_ADMIN

_resolvers: list[Callable] = []


@dataclass(frozen=True)
class Route:
    users: list
    via: str  # shown on the item: "owner of mapping set FR employees", "FR finance controllers"


def register_owner_resolver(func: Callable) -> Callable:
    """Add a resolver (idempotent: registering the same function twice keeps one)."""
    if func not in _resolvers:
        _resolvers.append(func)
    return func


def unregister_owner_resolver(func: Callable) -> None:
    if func in _resolvers:
        _resolvers.remove(func)


def route(item) -> Route:
    """The users `item` should go to, and why (never raises because of a faulty resolver's return type)."""
    for resolver in _resolvers:
        users = resolver(item)
        if users:
            via = getattr(resolver, "route_label", None) or "owner"
            return Route(users=[u for u in users if u.is_active], via=via)
    if item.entity_id is not None:
        return Route(users=entity_controllers(item.entity), via=f"{item.entity.code} finance controllers")
    return Route(users=_group_members(INTEGRATION_ADMIN), via="integration admins")


def entity_controllers(entity) -> list:
    """Active finance controllers with an object permission on `entity` (global holders are not owners)."""
    users = get_users_with_perms(
        entity, only_with_perms_in=["access_entity_data"], with_superusers=False, with_group_users=False
    )
    return list(users.filter(is_active=True, groups__name=FINANCE_CONTROLLER).distinct().order_by("pk"))


def _group_members(group: str) -> list:
    return list(get_user_model().objects.filter(is_active=True, groups__name=group).order_by("pk"))
