"""Which legal entities a user's reporting reads cover."""

from __future__ import annotations

from apps.access.permissions import can, entities_for
from apps.entities.models import LegalEntity

ALL_OPERATIONS = "reporting.view_all_operations"


def operations_entities(user):
    """Entities whose operations the user may see on the dashboard: all (IT, auditors), else their own."""
    if not can(user, "reporting.view_dashboard"):
        return LegalEntity.objects.none()
    if user.is_superuser or can(user, ALL_OPERATIONS):
        return LegalEntity.objects.filter(active=True)
    return entities_for(user).filter(active=True)


def sees_unscoped(user) -> bool:
    """May see figures that belong to no entity (runs, connector health of the whole house)."""
    return bool(user.is_superuser or can(user, ALL_OPERATIONS))


def finance_entities(user, perm: str):
    """Entities whose finance data (reconciliations, extracts) the user may read with `perm`."""
    if not can(user, perm):
        return LegalEntity.objects.none()
    return entities_for(user)
