"""Helpers shared by the mapping services: audit entries, rule content, the set lock."""

from __future__ import annotations

from apps.access.permissions import AccessDenied
from apps.ledger.services import audit_record
from apps.mappings import policies
from apps.mappings.errors import MappingError
from apps.mappings.models import MappingRule, MappingSet, MappingSetVersion, MappingSetVersionStatus


def audit(*, actor, action: str, obj, changes: dict, reason: str = "") -> None:
    """One ledger audit entry per governance step, kind `mappingset.<action>` / `mappingsetversion.<action>`."""
    audit_record(actor=actor, action=action, obj=obj, changes=changes, reason=reason)


def rules_of(version: MappingSetVersion) -> list[dict]:
    return [rule.as_dict() for rule in MappingRule.objects.filter(version=version).order_by("position", "id")]


def lock_set(mapping_set: MappingSet) -> MappingSet:
    """Serialise governance steps on one set (row lock on PostgreSQL; SQLite writers are serialised anyway)."""
    return MappingSet.objects.select_for_update().select_related("entity").get(pk=mapping_set.pk)


def locked_version(version: MappingSetVersion) -> MappingSetVersion:
    """Lock the set, then re-read the version: decisions are taken on the current status, not a stale copy."""
    lock_set(version.mapping_set)
    return MappingSetVersion.objects.select_related("mapping_set__entity").get(pk=version.pk)


def require_edit(actor, version: MappingSetVersion) -> None:
    """The actor may change this set, and the version is still a draft."""
    if not policies.may(actor, policies.CHANGE, version.mapping_set):
        raise AccessDenied(f"You may not edit the mapping set {version.mapping_set}.")
    if version.status != MappingSetVersionStatus.DRAFT:
        raise MappingError(
            f"Version {version.number} is {version.get_status_display().lower()}: only a draft can be edited. "
            "Open a new draft to change the rules."
        )


def active_version(mapping_set: MappingSet) -> MappingSetVersion | None:
    return mapping_set.versions.filter(status=MappingSetVersionStatus.ACTIVE).first()


def next_number(mapping_set: MappingSet) -> int:
    last = mapping_set.versions.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1
