"""The daily check: rules of active versions whose Odoo target vanished, was archived or moved company
become worklist items for the set's owner; items whose rule is sound again are resolved."""

from __future__ import annotations

from apps.mappings.engine import normalize
from apps.mappings.models import MappingRule, MappingSetVersion, MappingSetVersionStatus
from apps.mappings.validation import version_problems

SUBJECT_PREFIX = "mappingrule"
CATEGORY = "master_data_missing"


def subject_key(mapping_set_id: int, source_value: str) -> str:
    return f"{SUBJECT_PREFIX}:{mapping_set_id}:{normalize(source_value)}"


def mapping_dangling_check(*, actor="scheduler") -> dict:
    """Open (or refresh) one item per dangling rule; resolve items of rules that are sound again.

    Returns {"checked_versions", "dangling", "resolved"}. Idempotent: a second run opens nothing new.
    """
    active = MappingSetVersion.objects.filter(status=MappingSetVersionStatus.ACTIVE).select_related(
        "mapping_set__entity", "mapping_set__owner"
    )
    still_open: set[str] = set()
    for version in active:
        still_open |= _report_dangling(version, actor)
    resolved = _resolve_sound_again(still_open, actor)
    return {"checked_versions": len(active), "dangling": len(still_open), "resolved": resolved}


def _report_dangling(version, actor) -> set[str]:
    """One worklist item per flawed rule of `version` (refreshed if open already); returns their subject keys."""
    from apps.worklist.services import worklist_item_open

    mapping_set = version.mapping_set
    problems = version_problems(version)
    rules = MappingRule.objects.in_bulk(list(problems))
    keys = set()
    for rule_id, fields in problems.items():
        rule = rules[rule_id]
        keys.add(subject_key(mapping_set.pk, rule.source_value))
        worklist_item_open(
            category=CATEGORY,
            subject_key=subject_key(mapping_set.pk, rule.source_value),
            entity=mapping_set.entity,
            actor=actor,
            severity="medium",
            message=f"{mapping_set}: the rule for {rule.source_value!r} points to a record Odoo no longer offers — "
            f"{'; '.join(fields.values())}",
            context={
                "mapping_set_id": mapping_set.pk,
                "dimension": mapping_set.dimension,
                "version": version.number,
                "source_value": rule.source_value,
                "rule_id": rule.pk,
                "problems": fields,
            },
        )
    return keys


def _resolve_sound_again(still_open: set[str], actor) -> int:
    from apps.worklist.models import ACTIVE_STATUSES, WorklistItem
    from apps.worklist.services import worklist_items_resolve_for

    resolved = 0
    stale = WorklistItem.objects.filter(
        subject_key__startswith=f"{SUBJECT_PREFIX}:", category=CATEGORY, status__in=ACTIVE_STATUSES
    ).exclude(subject_key__in=still_open)
    for key in stale.values_list("subject_key", flat=True):
        resolved += worklist_items_resolve_for(
            subject_key=key,
            actor=actor,
            categories=[CATEGORY],
            note="The mapping rule is valid again (fixed in Odoo or replaced by an approved version).",
        )
    return resolved


def mapping_owner_resolver(item):
    """Worklist routing: mapping problems go to the owner of the mapping set concerned (None: not ours)."""
    from apps.mappings.models import MappingSet

    if item.category not in ("mapping_missing", "master_data_missing", "invalid_tax"):
        return None
    context = item.context or {}
    found = None
    if context.get("mapping_set_id"):
        found = MappingSet.objects.filter(pk=context["mapping_set_id"]).select_related("owner").first()
    elif context.get("dimension") and item.entity_id:
        found = MappingSet.objects.filter(entity_id=item.entity_id, dimension=context["dimension"]).first()
    return [found.owner] if found is not None and found.owner.is_active else None


mapping_owner_resolver.route_label = "owner of the mapping set"


def master_data_dependants(connector):
    """Blast radius for the connectors app: the master-data caches an Odoo connector refreshes."""
    from apps.connectors.dependants import Dependant

    if connector.kind != "odoo":
        return []
    return [
        Dependant(
            kind="master data",
            label=f"{entity.code} master-data cache",
            url="/mappings/master-data/",
            detail="Refreshed nightly and on demand; mapping pickers and validation read it.",
        )
        for entity in connector.entities.order_by("code")
    ]
