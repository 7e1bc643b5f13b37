"""Retry, correct-and-retry and replay: the worklist asks the registered flow engine (apps.worklist.redrive).

When no engine is registered these raise FlowEngineNotRunning and change nothing (a correction alone is
kept: see worklist_item_correct).
"""

from dataclasses import dataclass

from django.db import transaction

from apps.worklist import redrive as engine
from apps.worklist.errors import WorklistError
from apps.worklist.models import WorklistCategory, WorklistItem
from apps.worklist.services._audit import audit
from apps.worklist.services._common import lock_for_work, require_active
from apps.worklist.services.corrections import validate_corrections


@dataclass(frozen=True)
class CorrectionOutcome:
    item: WorklistItem
    retried: bool
    message: str


@transaction.atomic
def worklist_item_retry(*, item, actor) -> engine.RedriveResult:
    """Re-drive the item's subject from the stage that failed, applying its corrections.

    The item stays open: the pipeline resolves it when the document posts, or re-fails it (attempts + 1).
    Raises FlowEngineNotRunning (nothing written) when no engine is registered.
    """
    item = lock_for_work(item, actor)
    require_active(item, "retried")
    result = engine.redrive(item, actor=actor)
    audit(actor=actor, action="retry", item=item, changes={"stage": item.stage, "ok": result.ok}, reason=result.message)
    return result


def worklist_item_correct(*, item, corrections: dict, actor, retry: bool = True) -> CorrectionOutcome:
    """Store validated corrections on the item (audited), then retry it when asked.

    The correction commits on its own: if the engine is not running the fix is kept for the next retry and
    the outcome says so plainly. Raises WorklistError (nothing stored) on invalid corrections.
    """
    item = _store_corrections(item=item, corrections=corrections, actor=actor)
    if not retry:
        return CorrectionOutcome(item, False, "Correction saved. Retry the item when you are ready.")
    try:
        result = worklist_item_retry(item=item, actor=actor)
    except engine.FlowEngineNotRunning:
        return CorrectionOutcome(
            item,
            False,
            "Correction saved, but the flow engine is not running yet, so the document was not retried. "
            "Retry the item once the flow engine runs.",
        )
    return CorrectionOutcome(item, result.ok, f"Correction saved. {result.message}")


@transaction.atomic
def _store_corrections(*, item, corrections: dict, actor) -> WorklistItem:
    item = lock_for_work(item, actor)
    require_active(item, "corrected")
    clean = validate_corrections(item, corrections)
    before = dict(item.corrections)
    item.corrections = {**before, **clean}
    item.save(update_fields=["corrections", "updated_at"])
    audit(actor=actor, action="correct", item=item, changes={"corrections": [before, item.corrections]})
    return item


@transaction.atomic
def worklist_item_replay(*, item, actor, dry_run: bool = True) -> engine.RedriveResult:
    """Replay a dead-lettered (or already posted) document; a dry run returns the diff and changes nothing.

    The engine guarantees a posted document is never posted twice. Raises FlowEngineNotRunning when no
    engine is registered; WorklistError for items without a document.
    """
    item = lock_for_work(item, actor)
    if item.document_id is None:
        raise WorklistError("This item has no document to replay.")
    if item.category != WorklistCategory.DEAD_LETTER and item.document.state not in ("posted", "confirmed"):
        raise WorklistError("Only dead-lettered or already posted documents are replayed; use retry instead.")
    result = engine.replay(item, actor=actor, dry_run=dry_run)
    if not dry_run:
        audit(actor=actor, action="replay", item=item, changes={"ok": result.ok}, reason=result.message)
    return result


@dataclass(frozen=True)
class ApprovalOutcome:
    matched: int
    redriven: int
    message: str


@transaction.atomic
def worklist_items_redrive_for_approval(
    *, approval_ref: str, actor, context_match: dict, entity=None, categories=(WorklistCategory.MAPPING_MISSING,)
) -> ApprovalOutcome:
    """Called by mappings once a rule set is approved: link every active item it fixes and re-drive them.

    Items are found by their context, e.g. {"dimension": "employee", "source_value": "jane@example.com"}
    (the pipeline stores these keys in `context` when it opens mapping_missing items). Each item records
    `resolved_by_approval = approval_ref`; it closes (keeping the link) when its document posts.
    Internal service: the caller has checked the approval permission. No engine → linked, not re-driven.
    """
    if not context_match:
        raise WorklistError("Say which items the approval fixes (context_match is empty).")
    items = WorklistItem.objects.select_for_update(of=("self",)).filter(
        category__in=list(categories), status__in=("open", "assigned", "snoozed")
    )
    if entity is not None:
        items = items.filter(entity=entity)
    items = items.filter(**{f"context__{key}": value for key, value in context_match.items()})
    matched = redriven = 0
    for item in items.select_related("entity", "document"):
        matched += 1
        item.resolved_by_approval = approval_ref[:100]
        item.save(update_fields=["resolved_by_approval", "updated_at"])
        audit(actor=actor, action="link_approval", item=item, changes={"approval": approval_ref})
        if engine.engine_available("redrive"):
            engine.redrive(item, actor=actor)
            redriven += 1
    message = f"{matched} item(s) linked to {approval_ref}; {redriven} re-driven."
    if matched and not redriven:
        message += " The flow engine is not running yet, so they will be retried when it runs."
    return ApprovalOutcome(matched, redriven, message)
