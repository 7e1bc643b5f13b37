"""Creating mapping sets and changing who owns them."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from apps.access.permissions import AccessDenied, grant, revoke
from apps.mappings import policies
from apps.mappings.errors import MappingError
from apps.mappings.models import MappingDimension, MappingSet
from apps.mappings.roles import STEWARD_PERMS
from apps.mappings.services._common import audit, lock_set


@transaction.atomic
def mapping_set_create(
    *, entity, dimension: str, name: str, owner, actor, steward_group: Group | None = None, description: str = ""
) -> MappingSet:
    """Create the set of `entity` for `dimension`, owned by `owner` (who gets view + change on it).

    Permission: `add_mappingset` with the entity in scope. Raises MappingError (field errors) when the entity
    already has a set for that dimension or a field is missing. The set starts with no version.
    """
    if not policies.may_create_in(actor, entity):
        raise AccessDenied(f"You may not create mapping sets for {entity.code}.")
    errors = {}
    if dimension not in MappingDimension.values:
        errors["dimension"] = f"Choose one of {', '.join(MappingDimension.values)}."
    elif MappingSet.objects.filter(entity=entity, dimension=dimension).exists():
        errors["dimension"] = f"{entity.code} already has a {dimension} mapping set: edit that one."
    if not (name or "").strip():
        errors["name"] = "Give the set a name people recognise."
    if owner is None or not owner.is_active:
        errors["owner"] = "Name an active user as the owner."
    if errors:
        raise MappingError("The mapping set was not created.", fields=errors)
    mapping_set = MappingSet.objects.create(
        entity=entity,
        dimension=dimension,
        name=name.strip(),
        owner=owner,
        steward_group=steward_group,
        description=description,
        created_by=actor,
    )
    _grant_stewards(mapping_set, actor)
    audit(actor=actor, action="created", obj=mapping_set, changes=_facts(mapping_set))
    return mapping_set


@transaction.atomic
def mapping_set_update(*, mapping_set: MappingSet, actor, name=None, owner=None, steward_group=..., description=None):
    """Rename the set, hand it to another owner or steward group (the grants follow). Audited with the diff.

    Permission: `change_mappingset` on the set. Ownership is governance, not content: it needs no approval.
    """
    if not policies.may(actor, policies.CHANGE, mapping_set):
        raise AccessDenied(f"You may not change the mapping set {mapping_set}.")
    mapping_set = lock_set(mapping_set)
    before = _facts(mapping_set)
    if owner is not None and not owner.is_active:
        raise MappingError("The set was not changed.", fields={"owner": "Name an active user as the owner."})
    if name is not None and not name.strip():
        raise MappingError("The set was not changed.", fields={"name": "The name cannot be empty."})
    # The grants follow the owner and steward group; only a hand-over changes (and audits) them.
    handover = (owner is not None and owner != mapping_set.owner) or (
        steward_group is not ... and steward_group != mapping_set.steward_group
    )
    if handover:
        _revoke_stewards(mapping_set, actor)
    for field, value in (("name", name), ("owner", owner), ("description", description)):
        if value is not None:
            setattr(mapping_set, field, value.strip() if isinstance(value, str) else value)
    if steward_group is not ...:
        mapping_set.steward_group = steward_group
    mapping_set.save()
    if handover:
        _grant_stewards(mapping_set, actor)
    after = _facts(mapping_set)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        audit(actor=actor, action="changed", obj=mapping_set, changes=changes)
    return mapping_set


def _facts(mapping_set: MappingSet) -> dict:
    return {
        "entity": mapping_set.entity.code,
        "dimension": mapping_set.dimension,
        "name": mapping_set.name,
        "owner": mapping_set.owner.get_username(),
        "steward_group": mapping_set.steward_group.name if mapping_set.steward_group else None,
        "description": mapping_set.description,
    }


def _grant_stewards(mapping_set: MappingSet, actor) -> None:
    reason = f"Owner / steward group of mapping set {mapping_set}."
    grant(mapping_set.owner, STEWARD_PERMS, mapping_set, actor=actor, reason=reason)
    if mapping_set.steward_group is not None:
        grant(mapping_set.steward_group, STEWARD_PERMS, mapping_set, actor=actor, reason=reason)


def _revoke_stewards(mapping_set: MappingSet, actor) -> None:
    reason = f"Mapping set {mapping_set} handed over to another owner / steward group."
    revoke(mapping_set.owner, STEWARD_PERMS, mapping_set, actor=actor, reason=reason)
    if mapping_set.steward_group is not None:
        revoke(mapping_set.steward_group, STEWARD_PERMS, mapping_set, actor=actor, reason=reason)
