"""After an approval: the held documents the new version fixes are linked to it and re-driven.

Runs as a task after the activation commits (re-driving may be slow and must not hold the approval). Which
items are fixed is decided the same way as the impact preview: their document is resolved again with the
approved versions, and an item counts as fixed when no failure of its kind remains.
"""

from __future__ import annotations

from apps.mappings.models import MappingSetVersion
from apps.mappings.preview import PREVIEW_CATEGORIES, item_resolved_by


def mapping_version_followup(*, version_id: int, actor) -> dict:
    """Link and re-drive the open mapping items the approved version fixes. Idempotent (re-driving an item
    whose document already moved on is the worklist's and pipeline's concern). Returns counts per key."""
    from apps.worklist.services import worklist_items_redrive_for_approval

    version = MappingSetVersion.objects.select_related("mapping_set__entity").get(pk=version_id)
    entity = version.mapping_set.entity
    reference = approval_reference(version)
    outcome = {}
    # Only what this set's dimension fixes: items another set fixed are that approval's (or a retry's) business.
    fixed = {f for f in fixed_failures(entity) if f[1] == version.mapping_set.dimension}
    for category, dimension, value in sorted(fixed):
        result = worklist_items_redrive_for_approval(
            approval_ref=reference,
            actor=actor,
            entity=entity,
            categories=[category],
            context_match={"dimension": dimension, "source_value": value},
        )
        outcome[f"{category}:{dimension}:{value}"] = result.matched
    return outcome


def approval_reference(version: MappingSetVersion) -> str:
    """How an item names the approval that fixed it (the worklist links it to the version's page)."""
    return f"mappingset:{version.mapping_set_id}:v{version.number}"


def version_for_reference(reference: str) -> MappingSetVersion | None:
    """The version an approval reference names, or None (not a mapping approval, or gone)."""
    prefix, _, rest = (reference or "").partition(":")
    set_id, _, number = rest.partition(":v")
    if prefix != "mappingset" or not set_id.isdigit() or not number.isdigit():
        return None
    return MappingSetVersion.objects.filter(mapping_set_id=int(set_id), number=int(number)).first()


def fixed_failures(entity) -> set[tuple[str, str, str]]:
    """(category, dimension, source value) of the entity's open document items the approved versions fix."""
    from apps.documents.codec import from_json
    from apps.mappings.engine import resolve
    from apps.mappings.loader import mapping_context_load
    from apps.worklist.models import ACTIVE_STATUSES, WorklistItem

    context = mapping_context_load([entity.code])
    fixed = set()
    items = WorklistItem.objects.filter(
        entity=entity, category__in=PREVIEW_CATEGORIES, status__in=ACTIVE_STATUSES, document__isnull=False
    ).select_related("document")
    for item in items:
        ctx = item.context or {}
        if not ctx.get("dimension") or "source_value" not in ctx:
            continue  # the pipeline did not say what failed: the next scheduled retry will pick it up
        try:
            resolution = resolve(from_json(item.document.canonical), context)
        except (KeyError, TypeError, ValueError):
            continue
        if item_resolved_by(ctx, item.category, resolution):
            fixed.add((item.category, ctx["dimension"], ctx["source_value"]))
    return fixed
