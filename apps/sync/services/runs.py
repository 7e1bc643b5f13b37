"""Runs: create (unique key), execute (claimed by compare-and-set), and the webhook fast path.

sync_run_create(flow=…, trigger=…, actor=…) -> SyncRun      # enqueues sync_run_execute_task on commit
sync_run_execute(run_id=…) -> SyncRun | None                 # None when another worker has it
document_process(document_id=…)                              # webhook flows: prepare + post one document
entity_process(source_connector=…, object_type=…, entity_id=…) # the coalesced task: all that waits (coalesce.py)
retry_sweep(now=None) -> int                                 # re-post documents whose backoff is over
"""

import uuid

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.access.permissions import require
from apps.connectors.services.health import connector_is_paused
from apps.documents.models import Document
from apps.documents.states import DocumentState as S
from apps.ledger.services import ledger_append
from apps.mappings.loader import mapping_context_load
from apps.sync.models import Flow, FlowTrigger, RunDocument, SyncRun, SyncRunStatus
from apps.sync.services import coalesce, holds, pulls
from apps.sync.services.lane import posting_lane
from apps.sync.services.pipeline import documents_prepare
from apps.sync.services.posting import BatchOutcome, documents_post
from integration_console.logs import correlation_id as correlation_var

PREPARE_STATES = (S.RECEIVED, S.VALIDATED)
# Documents prepared per transaction in a run: large enough that the per-batch statements vanish per document,
# small enough that the ledger (and, on SQLite, the database) is not held for long by one worker.
PREPARE_BATCH = 250


class FlowError(ValueError):
    """A flow cannot run now, with a reason a finance user can act on."""


def flow_documents(flow: Flow, *, now=None):
    """Documents this flow should move now: its source and object type, its entities, not waiting for backoff."""
    now = now or timezone.now()
    qs = Document.objects.filter(source_connector=flow.source.slug, object_type=flow.object_type,
                                 state__in=(*PREPARE_STATES, S.MAPPED))  # fmt: skip
    qs = qs.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    entities = list(flow.entities.values_list("pk", flat=True))
    return qs.filter(entity__in=entities) if entities else qs


def sync_run_create(*, flow: Flow, trigger: str, actor=None, run_key: str = "") -> SyncRun:
    """Queue a run (idempotent per run_key) and enqueue its task after commit. Permission: sync.run_flow."""
    if actor is not None and not isinstance(actor, str):
        require(actor, "sync.run_flow", flow, message="You may not run this flow.")
    if not flow.enabled:
        raise FlowError(f"Flow {flow.name} is disabled; enable it first.")
    run_key = run_key or f"{flow.slug}:{trigger}:{uuid.uuid4().hex}"
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = SyncRun.objects.create(flow=flow, trigger=trigger, run_key=run_key,
                                             requested_by=None if isinstance(actor, str) else actor,
                                             correlation_id=_correlation())  # fmt: skip
        except IntegrityError:
            return SyncRun.objects.get(run_key=run_key)
        ledger_append(kind="sync_run.queued", direction="internal", actor=actor or "system", flow=flow.slug,
                      payload={"run": run.pk, "trigger": trigger}, correlation_id=run.correlation_id)  # fmt: skip
        transaction.on_commit(lambda: _enqueue_run(run.pk))
    return run


def _enqueue_run(run_id: int) -> None:
    from django_q.tasks import async_task

    task_id = async_task("apps.sync.tasks.sync_run_execute_task", run_id)
    SyncRun.objects.filter(pk=run_id, task_id="").update(task_id=str(task_id or ""))


def _claim_run(run_id: int) -> bool:
    return bool(SyncRun.objects.filter(pk=run_id, status=SyncRunStatus.QUEUED)
                .update(status=SyncRunStatus.RUNNING, started_at=timezone.now()))  # fmt: skip


def _add(run: SyncRun, outcome: BatchOutcome) -> None:
    SyncRun.objects.filter(pk=run.pk).update(
        posted=F("posted") + outcome.posted, duplicates_skipped=F("duplicates_skipped") + outcome.duplicates,
        held=F("held") + outcome.held, failed=F("failed") + outcome.failed + outcome.retry + outcome.waiting,
        odoo_calls=F("odoo_calls") + outcome.calls, lines=F("lines") + outcome.lines,
    )  # fmt: skip
    RunDocument.objects.bulk_create([RunDocument(run=run, document_id=d, outcome=o, message=m)
                                     for d, (o, m) in outcome.per_document.items()])  # fmt: skip


def sync_run_execute(*, run_id: int) -> SyncRun | None:
    """Claim the run; a batch at a time, prepare what is new and post what is mapped (each batch posts while the
    next one is prepared); record counts."""
    if not _claim_run(run_id):
        return None
    run = SyncRun.objects.select_related("flow__source", "flow__target").get(pk=run_id)
    token = correlation_var.set(run.correlation_id)  # reset below: the worker's next task must not inherit it
    flow = run.flow
    try:
        if pulls.is_pull_flow(flow):  # API pull flows fetch first; what the pull stored is posted below
            pulls.flow_pull(flow=flow, run=run)
        rows = list(flow_documents(flow).order_by("entity_id", "id").values_list("pk", "entity__code"))
        SyncRun.objects.filter(pk=run.pk).update(total=len(rows), received=len(rows))
        ids = [pk for pk, _ in rows]
        context = mapping_context_load(sorted({code for _, code in rows})) if rows else None
        size = max(1, flow.batch_size)
        with posting_lane() as lane:  # a batch posts while the next one is prepared
            for start in range(0, len(ids), size):
                chunk = ids[start : start + size]
                resolved = _prepare_chunk(run, flow, chunk, context)
                mapped = Document.objects.filter(pk__in=chunk, state=S.MAPPED).order_by("id")
                mapped = list(mapped.values_list("pk", flat=True))
                if mapped:
                    lane.submit(_post_counted, run, flow, mapped, resolved)
    except Exception as error:
        SyncRun.objects.filter(pk=run.pk).update(status=SyncRunStatus.FAILED, finished_at=timezone.now(),
                                                 message=f"{type(error).__name__}: {error}"[:500])  # fmt: skip
        raise
    finally:
        correlation_var.reset(token)
    return _finish(run)


def _post_counted(run: SyncRun, flow: Flow, document_ids: list[int], prepared: dict) -> None:
    _add(run, documents_post(flow=flow, document_ids=document_ids, run=run, prepared=prepared))


def _prepare_chunk(run, flow, ids, context) -> dict:
    """Prepare what of `ids` is not prepared yet (PREPARE_BATCH per transaction); count what it held or rejected.
    Returns the resolutions of what it mapped (documents_prepare `resolved`)."""
    todo = list(Document.objects.filter(pk__in=ids, state__in=PREPARE_STATES).values_list("pk", flat=True))
    resolved = {}
    if not todo:
        return resolved
    outcome = BatchOutcome()
    for start in range(0, len(todo), PREPARE_BATCH):
        # One transaction and one compare-and-set per stage for the chunk (documents_prepare).
        states = documents_prepare(document_ids=todo[start : start + PREPARE_BATCH], flow=flow, context=context,
                                   resolved=resolved)  # fmt: skip
        for doc_id, state in states.items():
            if state == S.HELD:
                outcome.note(doc_id, "held", "Held before posting (see the worklist).")
            elif state == S.REJECTED:
                outcome.note(doc_id, "rejected", "Rejected at validation.")
    _add(run, outcome)
    return resolved


def _finish(run: SyncRun) -> SyncRun:
    run.refresh_from_db()
    status = SyncRunStatus.SUCCEEDED if not (run.failed or run.held) else (
        SyncRunStatus.PARTIAL if run.posted else SyncRunStatus.FAILED)  # fmt: skip
    SyncRun.objects.filter(pk=run.pk).update(status=status, finished_at=timezone.now())
    ledger_append(kind="sync_run.finished", direction="internal", actor="worker", flow=run.flow.slug,
                  outcome="ok" if status == SyncRunStatus.SUCCEEDED else "failed", correlation_id=run.correlation_id,
                  payload={"run": run.pk, "status": status, "posted": run.posted, "held": run.held,
                           "failed": run.failed, "duplicates_skipped": run.duplicates_skipped})  # fmt: skip
    run.refresh_from_db()
    return run


def flow_for_document(document: Document, cache: dict | None = None) -> Flow | None:
    """The enabled flow that moves this document (its source, object type and entity), or None."""
    key = (document.source_connector, document.object_type, document.entity_id)
    if cache is not None and key in cache:
        return cache[key]
    found = None
    flows = Flow.objects.filter(source__slug=document.source_connector, object_type=document.object_type,
                                enabled=True).select_related("source", "target")  # fmt: skip
    for flow in flows:
        codes = set(flow.entities.values_list("pk", flat=True))
        if not codes or document.entity_id in codes:
            found = flow
            break
    if cache is not None:
        cache[key] = found
    return found


def document_process(*, document_id: int) -> str:
    """The task of one received document: prepare it — with the other documents of its flow and entity waiting
    to be prepared, so a burst of deliveries is prepared in batches and the later tasks find theirs done —
    and, for webhook flows, post it at once with whatever else of the flow and entity is mapped and due.
    Safe to call twice (claims); a document whose posting worker died is reclaimed once its lease is over."""
    document = Document.objects.select_related("entity").get(pk=document_id)
    if document.state == S.POSTING:
        holds.reclaim_stale_postings(among=Document.objects.filter(pk=document_id))
        document.refresh_from_db()
    if document.state not in (*PREPARE_STATES, S.MAPPED):
        return document.state  # settled, held, or being posted: nothing for this task to do
    flow = flow_for_document(document)
    if flow is None:
        return document.state
    state = document.state
    if state in PREPARE_STATES:
        # Others just received (a `validated` one is another worker's, between its two stages, or a stalled one
        # that the retry sweep re-drives).
        waiting = flow_documents(flow).filter(state=S.RECEIVED, entity_id=document.entity_id)
        waiting = waiting.exclude(pk=document_id).order_by("id").values_list("pk", flat=True)
        batch = [document_id, *waiting[: max(0, flow.batch_size - 1)]]
        context = mapping_context_load([document.entity.code])
        state = documents_prepare(document_ids=batch, flow=flow, context=context)[document_id]
    if state == S.MAPPED and flow.trigger == FlowTrigger.WEBHOOK:
        others = flow_documents(flow).filter(state=S.MAPPED, entity_id=document.entity_id).exclude(pk=document_id)
        others = others.order_by("id").values_list("pk", flat=True)[: max(0, flow.batch_size - 1)]
        documents_post(flow=flow, document_ids=[document_id, *others])
    return Document.objects.values_list("state", flat=True).get(pk=document_id)


# Batches one coalesced task prepares before it hands the rest to a new task (a task's time stays bounded).
ENTITY_BATCHES = 20


def _flow_for_key(source_connector: str, object_type: str, entity_id: int) -> Flow | None:
    flows = Flow.objects.filter(source__slug=source_connector, object_type=object_type, enabled=True)
    for flow in flows.select_related("source", "target"):
        codes = set(flow.entities.values_list("pk", flat=True))
        if not codes or entity_id in codes:
            return flow
    return None


def entity_process(*, source_connector: str, object_type: str, entity_id: int) -> dict:
    """The coalesced webhook task: prepare every document of this source, object type and entity that waits
    `received`, a batch at a time; for webhook flows each batch posts (posting lane) while the next is prepared,
    then whatever else of the entity is mapped and due.

    The pending marker is deleted first, committed, and only then are documents selected (see coalesce.py):
    every document committed before the delete is seen here, every later one enqueues its own task. Before
    that, a webhook flow's task lingers briefly for a full batch while webhooks keep arriving (batch_linger)."""
    flow = _flow_for_key(source_connector, object_type, entity_id)
    if flow is not None and flow.trigger == FlowTrigger.WEBHOOK:
        coalesce.batch_linger(source_connector, object_type, entity_id, max(1, flow.batch_size))
    coalesce.prepare_started(source_connector, object_type, entity_id)
    if flow is None:
        return {"prepared": 0, "posted": 0}
    from apps.entities.models import LegalEntity

    size, webhook = max(1, flow.batch_size), flow.trigger == FlowTrigger.WEBHOOK
    if webhook:  # a task handed out again after its worker died: what it was posting is posted again below
        holds.reclaim_stale_postings(
            among=Document.objects.filter(
                source_connector=source_connector, object_type=object_type, entity_id=entity_id
            )
        )
    context, prepared, posted, prepare_from, burst = None, 0, 0, 0, False
    with posting_lane() as lane:  # webhook flows: a batch posts while the next one is prepared
        for _ in range(ENTITY_BATCHES):
            if burst:  # the last batch was full: while webhooks keep coming, the next one fills too
                coalesce.batch_linger(source_connector, object_type, entity_id, size)
            waiting = flow_documents(flow).filter(state=S.RECEIVED, entity_id=entity_id, pk__gt=prepare_from)
            ids = list(waiting.order_by("id").values_list("pk", flat=True)[:size])
            if not ids:
                break
            prepare_from, burst = ids[-1], webhook and len(ids) == size
            if context is None:  # read once per task
                context = mapping_context_load([LegalEntity.objects.values_list("code", flat=True).get(pk=entity_id)])
            resolved = {}
            states = documents_prepare(document_ids=ids, flow=flow, context=context, resolved=resolved)
            prepared += len(ids)
            mapped = [pk for pk in ids if states.get(pk) == S.MAPPED]
            if webhook and mapped:
                lane.submit(documents_post, flow=flow, document_ids=mapped, prepared=resolved)
                posted += len(mapped)
        else:
            # Stopped with documents possibly left: they committed before our delete, so hand them to a new task.
            if flow_documents(flow).filter(state=S.RECEIVED, entity_id=entity_id, pk__gt=prepare_from).exists():
                coalesce.prepare_enqueue(Document(source_connector=source_connector, object_type=object_type,
                                                  entity_id=entity_id))  # fmt: skip
    if webhook:  # mapped and due ones no batch above had (prepared earlier, due again after a backoff)
        posted += _post_mapped(flow, entity_id, size)
    return {"prepared": prepared, "posted": posted}


def _post_mapped(flow, entity_id: int, size: int) -> int:
    """Post the flow's mapped, due documents of the entity, a batch at a time. Returns how many were tried."""
    start, tried = 0, 0
    while True:
        mapped = flow_documents(flow).filter(state=S.MAPPED, entity_id=entity_id, pk__gt=start)
        ids = list(mapped.order_by("id").values_list("pk", flat=True)[:size])
        if not ids:
            return tried
        documents_post(flow=flow, document_ids=ids)
        start, tried = ids[-1], tried + len(ids)


def redrive_stalled(*, now, limit: int = 200) -> int:
    """Webhook documents whose task was lost (django-q2's Redis broker hands a task out once; a worker killed
    with prefetched tasks loses them) sit `received`, or `mapped` with no retry time, forever. Once a posting
    lease has passed since their last change, process them again; claims make a late duplicate task harmless."""
    stalled = Document.objects.filter(
        Q(state__in=PREPARE_STATES) | Q(state=S.MAPPED, next_attempt_at__isnull=True),
        state_changed_at__lt=now - holds.posting_lease(),
    ).order_by("id")
    cache, tried = {}, 0
    for document in stalled[:limit]:
        flow = flow_for_document(document, cache)
        if flow is None or flow.trigger != FlowTrigger.WEBHOOK or connector_is_paused(flow.target):
            continue
        document_process(document_id=document.pk)
        tried += 1
    return tried


def retry_sweep(*, now=None) -> int:
    """Every minute: reclaim postings whose worker died, then post every mapped document that is due (its
    backoff is over, or it waited for its connector), batched per flow. Documents of a paused connector keep
    waiting. Returns how many documents were tried."""
    now = now or timezone.now()
    holds.reclaim_stale_postings(now=now)
    coalesce.stale_markers_clear(now=now)
    tried = redrive_stalled(now=now)
    due = Document.objects.filter(state=S.MAPPED, next_attempt_at__isnull=False, next_attempt_at__lte=now)
    cache, by_flow = {}, {}
    for document in due.order_by("id")[:1000]:
        flow = flow_for_document(document, cache)
        if flow is not None:
            by_flow.setdefault(flow.pk, (flow, []))[1].append(document.pk)
    for flow, ids in by_flow.values():
        if connector_is_paused(flow.target):
            continue
        documents_post(flow=flow, document_ids=ids)
        tried += len(ids)
    return tried


def _correlation() -> str:
    current = correlation_var.get()
    return current if current and current != "-" else uuid.uuid4().hex
