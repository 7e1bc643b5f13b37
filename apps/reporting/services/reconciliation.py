"""Reconciliation per legal entity and period: documents received ↔ posted per the ledger ↔ entries in Odoo
(read live) ↔ rows in the reporting store — count and total of each, every document that differs, and a
worklist item per difference that needs a person.

    run = reconciliation_request(entity=…, start=…, end=…, actor=user)   # queued; executed by a worker
    run = reconciliation_execute(run_id)                                  # claim, read, compare, record
    reconciliation_scheduled()                                            # daily: this month and the last

Differences that are only "received, not posted yet" (held, waiting) already have their own worklist item and
open none here. An item whose difference is gone in a later run of the same entity and period is resolved.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.access.permissions import AccessDenied, in_entity_scope, require
from apps.documents.models import Document
from apps.reporting import odoo
from apps.reporting.models import ReconciliationDifference, ReconciliationRun, ReconciliationStatus
from apps.reporting.services import sides
from apps.reporting.services.facts import money
from apps.worklist.models import ACTIVE_STATUSES, WorklistCategory, WorklistItem
from apps.worklist.services import worklist_item_open, worklist_items_resolve_for
from integration_console.logs import correlation_id as correlation_var
from integration_console.logs import new_correlation_id

ACTOR = "reconciliation"
MAX_DAYS = 366
QUIET = frozenset({"not_posted"})  # has its own worklist item (held / waiting) already
CATEGORY = WorklistCategory.RECONCILIATION_DIFFERENCE  # every difference that needs a person, whatever its kind


class ReconciliationError(ValueError):
    """A reconciliation that cannot be run as asked; the message says what to change."""


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def reconciliation_request(*, entity, start: date, end: date, actor, trigger: str = "manual") -> ReconciliationRun:
    """Queue a reconciliation (executed by a worker after commit). Users need `reporting.add_reconciliationrun`
    and the entity in their scope. Raises ReconciliationError for a bad period."""
    if getattr(actor, "pk", None):
        require(actor, "reporting.add_reconciliationrun", message="You may not run reconciliations.")
        if not in_entity_scope(actor, entity):
            raise AccessDenied(f"You may not reconcile {entity.code}.")
    if start > end:
        raise ReconciliationError("The period must start on or before its end.")
    if (end - start).days >= MAX_DAYS:
        raise ReconciliationError(f"Reconcile at most {MAX_DAYS} days at a time.")
    if not entity.odoo_company_id:
        raise ReconciliationError(f"{entity.code} has no Odoo company: set it before reconciling.")
    with transaction.atomic():
        run = ReconciliationRun.objects.create(entity=entity, period_start=start, period_end=end, trigger=trigger,
                                               requested_by=actor if getattr(actor, "pk", None) else None,
                                               correlation_id=new_correlation_id())  # fmt: skip
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    from django_q.tasks import async_task

    async_task("apps.reporting.tasks.reconciliation_execute_task", run_id, task_name=f"reconciliation-{run_id}")


def reconciliation_execute(run_id: int) -> ReconciliationRun | None:
    """Claim the queued run (compare-and-set), reconcile, record; None when another worker has it."""
    if not ReconciliationRun.objects.filter(pk=run_id, status=ReconciliationStatus.QUEUED).update(
        status=ReconciliationStatus.RUNNING, started_at=timezone.now()
    ):
        return None
    run = ReconciliationRun.objects.select_related("entity").get(pk=run_id)
    correlation_var.set(run.correlation_id or new_correlation_id())
    try:
        summary, differences = reconcile(run.entity, run.period_start, run.period_end)
    except Exception as error:
        run.status, run.message = ReconciliationStatus.FAILED, f"{type(error).__name__}: {error}"[:500]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "message", "finished_at"])
        raise
    _record(run, summary, differences)
    return run


def reconcile(entity, start: date, end: date) -> tuple[dict, list[sides.Difference]]:
    """Read the four sides and compare them (see apps.reporting.services.sides)."""
    stats = odoo.OdooStats()
    received, rejected = sides.read_received(entity, start, end)
    ledger = sides.read_ledger(entity, received)
    expected = {k: r for k, r in received.items() if sides.in_odoo(ledger.get(k, []))}
    connector = odoo.odoo_connector(entity)
    if connector is None:
        raise ReconciliationError(f"No enabled Odoo connector serves {entity.code}.")
    gw = odoo.gateway_for(connector, stats)
    try:
        records = sides.read_odoo(gw, entity, start, end, expected)
    finally:
        gw.close()
    store = sides.read_store(entity, received)
    differences = sides.compare(received, ledger, records, store)
    summary = _summary(entity, received, rejected, ledger, records, store, differences)
    summary["odoo_calls"], summary["odoo_ms"] = stats.calls, stats.ms
    return summary, differences


def _sum(values) -> str:
    return str(money(sum((v for v in values if v is not None), Decimal(0))))


def _summary(entity, received, rejected, ledger, records, store, differences) -> dict:
    posted = [k for k in received if ledger.get(k)]
    odoo_posted = [r for rs in records.values() for r in rs if r.posted]
    kinds: dict[str, int] = {}
    for difference in differences:
        kinds[difference.kind] = kinds.get(difference.kind, 0) + 1
    return {
        "currency": entity.currency,
        "received": {"count": len(received), "total": _sum(r.total for r in received.values())},
        "ledger": {"count": len(posted), "total": _sum(received[k].total for k in posted)},
        "odoo": {"count": len(odoo_posted), "total": _sum(r.amount for r in odoo_posted)},
        "reporting": {"count": len(store), "total": _sum(t for _n, t in store.values()),
                      "rows": sum(n for n, _t in store.values())},
        "rejected": rejected,
        "unknown_amounts": sum(1 for r in received.values() if r.total is None),
        "differences": kinds,
    }  # fmt: skip


def _subject_prefix(run: ReconciliationRun) -> str:
    return f"reconciliation:{run.entity.code}:{run.period_start}:{run.period_end}:"


def _record(run: ReconciliationRun, summary: dict, differences: list[sides.Difference]) -> None:
    prefix = _subject_prefix(run)
    with transaction.atomic():
        ReconciliationDifference.objects.bulk_create(
            [ReconciliationDifference(run=run, document_key=d.key, source_id=d.source_id[:200], kind=d.kind,
                                      message=d.message[:500], sides=d.sides) for d in differences],
            batch_size=1000)  # fmt: skip
        run.summary, run.differences_count = summary, len(differences)
        run.status, run.finished_at = ReconciliationStatus.DONE, timezone.now()
        run.save(update_fields=["summary", "differences_count", "status", "finished_at"])
    wanted = {f"{prefix}{d.kind}:{d.key}": d for d in differences if d.kind not in QUIET}
    documents = {d.idempotency_key: d for d in Document.objects.filter(
        idempotency_key__in=list({d.key for d in wanted.values()})).select_related("entity")}  # fmt: skip
    for subject, difference in wanted.items():
        worklist_item_open(
            category=CATEGORY, subject_key=subject, actor=ACTOR, entity=run.entity,
            document=documents.get(difference.key),
            message=f"Reconciliation {run.period_start:%Y-%m-%d}…{run.period_end:%Y-%m-%d}: {difference.key} — "
                    f"{difference.message}"[:500],
            stage="reconcile", context={"reconciliation_run": run.pk, "kind": difference.kind,
                                        "document": difference.key, "sides": difference.sides},
        )  # fmt: skip
    gone = (WorklistItem.objects.filter(subject_key__startswith=prefix, status__in=ACTIVE_STATUSES)
            .exclude(subject_key__in=list(wanted)).values_list("subject_key", flat=True))  # fmt: skip
    for subject in list(gone):
        worklist_items_resolve_for(subject_key=subject, actor=ACTOR, note=f"Reconciliation run {run.pk} agrees now.")


def reconciliation_scheduled(*, today: date | None = None) -> list[int]:
    """Daily: reconcile this month and the previous one for every entity an Odoo connector serves; returns the
    run ids. Runs inline (one worker), one after the other."""
    from apps.entities.models import LegalEntity

    today = today or timezone.localdate()
    previous = today.replace(day=1) - timedelta(days=1)
    periods = [month_bounds(previous.year, previous.month), month_bounds(today.year, today.month)]
    done = []
    for entity in LegalEntity.objects.filter(active=True, odoo_company_id__isnull=False).order_by("code"):
        if odoo.odoo_connector(entity) is None:
            continue
        for start, end in periods:
            with transaction.atomic():
                run = ReconciliationRun.objects.create(
                    entity=entity,
                    period_start=start,
                    period_end=end,
                    trigger="schedule",
                    correlation_id=new_correlation_id(),
                )
            reconciliation_execute(run.pk)
            done.append(run.pk)
    return done
