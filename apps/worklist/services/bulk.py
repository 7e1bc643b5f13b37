"""Bulk actions: select active items by filter, then retry, assign or dismiss them in a background task.

`bulk_action_create` snapshots the ids (so the task acts on what the user saw), writes the BulkAction row
and one audit entry, and enqueues `apps.worklist.tasks.bulk_action_task` on commit. `bulk_action_run` is
what the task calls: it claims the row by compare-and-set, resumes after the last item counted (safe to
deliver twice), runs the per-item service as the requesting user (each in its own transaction, permission
re-checked), and reports progress in the row.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.access.permissions import AccessDenied, require
from apps.ledger.services import audit_record
from apps.worklist import redrive as engine
from apps.worklist import selectors
from apps.worklist.errors import WorklistError
from apps.worklist.models import BulkAction, BulkActionKind, BulkActionStatus
from apps.worklist.services._common import WORK_PERM, clean_note
from apps.worklist.services.actions import worklist_item_assign, worklist_item_dismiss
from apps.worklist.services.redriving import worklist_item_retry

BULK_LIMIT = 50_000
PROGRESS_EVERY = 100
ERRORS_KEPT = 50
STALE_AFTER = timedelta(minutes=10)  # a running action without heartbeat this long was abandoned by its worker


@transaction.atomic
def bulk_action_create(
    *, kind: str, actor, filters, params: dict | None = None, query: str = "", item_ids: list[int] | None = None
) -> BulkAction:
    """Queue `kind` over the active items matching `filters` (and among `item_ids` when given: the ticked
    rows) that the actor can see. Raises WorklistError
    (nothing queued) when nothing matches, parameters are missing, or retry has no flow engine to use."""
    require(actor, WORK_PERM, message="Your role can read the worklist but not change it.")
    require(actor, "worklist.add_bulkaction", message="Your role cannot run bulk actions.")
    params = _clean_params(kind, params or {}, actor)
    if kind == BulkActionKind.RETRY and not engine.engine_available("redrive"):
        raise engine.FlowEngineNotRunning(engine.NOT_RUNNING.format(verb="retried"))
    ids = selectors.worklist_item_ids_for(user=actor, filters=filters, limit=BULK_LIMIT + 1, ids=item_ids)
    if not ids:
        raise WorklistError("No open item matches this filter; nothing to do.")
    if len(ids) > BULK_LIMIT:
        raise WorklistError(f"More than {BULK_LIMIT:,} items match; narrow the filter.")
    bulk = BulkAction.objects.create(
        kind=kind, actor=actor, query=query[:1000], item_ids=ids, params=params, total=len(ids)
    )
    _audit_bulk(bulk, actor)
    transaction.on_commit(lambda: _enqueue(bulk.pk))
    return bulk


def _clean_params(kind: str, params: dict, actor) -> dict:
    if kind not in BulkActionKind.values:
        raise WorklistError(f"Unknown bulk action {kind!r}.", fields={"kind": "Choose retry, assign or dismiss."})
    if kind == BulkActionKind.DISMISS:
        return {"note": clean_note(params.get("note", ""), required=True, what="reason for dismissing")}
    if kind == BulkActionKind.ASSIGN:
        assignee = get_user_model().objects.filter(pk=params.get("assignee"), is_active=True).first()
        if assignee is None:
            raise WorklistError("Choose who gets the items.", fields={"assignee": "Required."})
        return {"assignee": assignee.pk}
    return {}


def _audit_bulk(bulk: BulkAction, actor) -> None:
    audit_record(
        actor=actor,
        action="requested",
        obj=bulk,
        kind="worklist_bulk_action.requested",
        changes={"kind": bulk.kind, "total": bulk.total, "query": bulk.query, "params": bulk.params},
    )


def _enqueue(bulk_id: int) -> None:
    from django_q.tasks import async_task

    task_id = async_task("apps.worklist.tasks.bulk_action_task", bulk_id, task_name=f"worklist-bulk-{bulk_id}")
    BulkAction.objects.filter(pk=bulk_id, task_id="").update(task_id=str(task_id or "")[:64])


def _claim(bulk_id: int) -> bool:
    now = timezone.now()
    claimable = Q(status=BulkActionStatus.QUEUED) | Q(
        status=BulkActionStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER
    )
    claimed = BulkAction.objects.filter(claimable, pk=bulk_id).update(
        status=BulkActionStatus.RUNNING, heartbeat_at=now, started_at=now
    )
    return claimed == 1


def bulk_action_run(*, bulk_id: int) -> str:
    """Run a queued bulk action to the end. Returns a one-line summary (also when there was nothing to claim)."""
    if not _claim(bulk_id):
        return f"bulk action {bulk_id}: not queued (already running or done); nothing to do"
    bulk = BulkAction.objects.select_related("actor").get(pk=bulk_id)
    step = _STEPS[bulk.kind]
    counts = {"done": 0, "succeeded": 0, "failed": 0}
    errors = list(bulk.errors)
    for position, item_id in enumerate(bulk.item_ids[bulk.done :], start=1):
        try:
            step(item_id, bulk)
            counts["succeeded"] += 1
        except (WorklistError, AccessDenied) as error:
            counts["failed"] += 1
            if len(errors) < ERRORS_KEPT:
                errors.append({"item": item_id, "message": str(error)[:300]})
        counts["done"] += 1
        if position % PROGRESS_EVERY == 0:
            _progress(bulk_id, counts, errors)
            counts = dict.fromkeys(counts, 0)
    _progress(bulk_id, counts, errors, finished=True)
    bulk.refresh_from_db()
    return f"bulk action {bulk_id}: {bulk.succeeded} succeeded, {bulk.failed} failed of {bulk.total}"


def _progress(bulk_id: int, counts: dict, errors: list, *, finished: bool = False) -> None:
    now = timezone.now()
    fields = {name: F(name) + value for name, value in counts.items()}
    fields.update(errors=errors, heartbeat_at=now)
    if finished:
        fields.update(status=BulkActionStatus.DONE, finished_at=now)
    BulkAction.objects.filter(pk=bulk_id).update(**fields)


def _retry(item_id: int, bulk: BulkAction) -> None:
    worklist_item_retry(item=item_id, actor=bulk.actor)


def _assign(item_id: int, bulk: BulkAction) -> None:
    if getattr(bulk, "_assignee", None) is None:
        bulk._assignee = get_user_model().objects.get(pk=bulk.params["assignee"])
    assignee = bulk._assignee
    worklist_item_assign(item=item_id, assignee=assignee, actor=bulk.actor, note=f"bulk action {bulk.pk}")


def _dismiss(item_id: int, bulk: BulkAction) -> None:
    worklist_item_dismiss(item=item_id, actor=bulk.actor, note=bulk.params["note"])


_STEPS = {BulkActionKind.RETRY: _retry, BulkActionKind.ASSIGN: _assign, BulkActionKind.DISMISS: _dismiss}
