"""The figures /metrics exposes (no user: the endpoint is for operators' scrapers, behind a token).

Every family is a small aggregate: documents by state (index state+entity), events by outcome (the hourly
rollup), queue depth (the django-q2 broker), task durations (django-q2's recent task rows), Odoo calls, time
and errors by class (runs and the rollup; the gateway itself keeps no cross-process counters), open worklist
items by category (index category+status).
"""

from __future__ import annotations

from django.db.models import Count, Max, Sum
from django.utils import timezone

from apps.connectors.models import Connector
from apps.documents.models import Document
from apps.reporting.models import OpsHourly, ReportingRun
from apps.worklist.models import ACTIVE_STATUSES, WorklistItem

EVENT_METRICS = ("received", "duplicate_received", "refused", "posted", "held", "rejected", "dead_letter", "retry",
                 "duplicate_posting", "confirmed", "published", "status_sent", "status_send_failed",
                 "master_data_pushed", "run_succeeded", "run_failed", "auth_failed")  # fmt: skip
TASK_WINDOW = 1000  # the most recent tasks django-q2 kept


def _documents():
    rows = Document.objects.values("state", "entity__code").annotate(n=Count("id"))
    return [({"state": r["state"], "entity": r["entity__code"]}, r["n"]) for r in rows]


def _events():
    rows = OpsHourly.objects.filter(metric__in=EVENT_METRICS).values("metric", "entity").annotate(n=Sum("count"))
    return [({"event": r["metric"], "entity": r["entity"]}, r["n"]) for r in rows]


def _queue_depth() -> list:
    from django_q.brokers import get_broker

    try:
        return [({}, get_broker().queue_size())]
    except Exception:  # noqa: BLE001 - a broker that cannot answer shows as NaN, not as a failed scrape
        return [({}, None)]


def _tasks() -> tuple[list, list, list]:
    from django_q.models import Task

    recent = list(Task.objects.order_by("-stopped").values("func", "started", "stopped", "success")[:TASK_WINDOW])
    sums: dict[str, list] = {}
    for task in recent:
        entry = sums.setdefault(task["func"], [0, 0.0, 0])
        entry[0] += 1
        entry[1] += max(0.0, (task["stopped"] - task["started"]).total_seconds())
        entry[2] += 0 if task["success"] else 1
    count = [({"func": f}, v[0]) for f, v in sorted(sums.items())]
    seconds = [({"func": f}, round(v[1], 3)) for f, v in sorted(sums.items())]
    failures = [({"func": f}, v[2]) for f, v in sorted(sums.items())]
    return count, seconds, failures


def _odoo_errors():
    """Errors by class: transient (retries, from the rollup), auth (pauses), and those the reporting runs met."""
    totals = {r["metric"]: r["n"] for r in OpsHourly.objects.filter(metric__in=("retry", "auth_failed"))
              .values("metric").annotate(n=Sum("count"))}  # fmt: skip
    classes = {"transient": totals.get("retry", 0), "auth": totals.get("auth_failed", 0)}
    for errors in ReportingRun.objects.exclude(odoo_errors={}).values_list("odoo_errors", flat=True)[:5000]:
        for name, n in errors.items():
            classes[name] = classes.get(name, 0) + n
    return [({"class": k}, v) for k, v in sorted(classes.items())]


def _odoo_calls():
    from apps.sync.models import SyncRun

    sync = SyncRun.objects.aggregate(n=Sum("odoo_calls"))["n"] or 0
    reporting = ReportingRun.objects.aggregate(n=Sum("odoo_calls"), ms=Sum("odoo_ms"))
    return ([({"caller": "sync"}, sync), ({"caller": "reporting"}, reporting["n"] or 0)],
            [({"caller": "reporting"}, (reporting["ms"] or 0) / 1000)])  # fmt: skip


def _odoo_latency():
    rows = Connector.objects.filter(kind="odoo").values_list("slug", "health_latency_ms", "health_ok")
    latency = [({"connector": slug}, None if ms is None else ms / 1000) for slug, ms, _ok in rows]
    up = [({"connector": slug}, None if ok is None else int(ok)) for slug, _ms, ok in rows]
    return latency, up


def _worklist():
    rows = WorklistItem.objects.filter(status__in=ACTIVE_STATUSES).values("category").annotate(n=Count("id"))
    return [({"category": r["category"]}, r["n"]) for r in rows]


def _runs():
    rows = (
        ReportingRun.objects.filter(status__in=("succeeded", "partial"))
        .values("kind")
        .annotate(last=Max("finished_at"))
    )
    return [({"kind": r["kind"]}, r["last"].timestamp() if r["last"] else None) for r in rows]


def metric_families() -> list[tuple[str, str, str, list]]:
    task_count, task_seconds, task_failures = _tasks()
    calls, call_seconds = _odoo_calls()
    latency, up = _odoo_latency()
    return [
        ("ic_documents", "gauge", "Documents by current state and legal entity.", _documents()),
        ("ic_document_events_total", "counter", "Pipeline events by outcome and entity (from the ledger).", _events()),
        ("ic_queue_depth", "gauge", "Tasks waiting in the django-q2 queue.", _queue_depth()),
        ("ic_task_runs", "gauge", f"Tasks among the last {TASK_WINDOW} by function.", task_count),
        ("ic_task_duration_seconds_sum", "gauge", f"Run time of the last {TASK_WINDOW} tasks by function.",
         task_seconds),
        ("ic_task_failures", "gauge", f"Failed tasks among the last {TASK_WINDOW} by function.", task_failures),
        ("ic_odoo_calls_total", "counter", "Odoo calls made by runs (sync posting, reporting reads).", calls),
        ("ic_odoo_call_seconds_total", "counter", "Time spent waiting for Odoo by reporting runs.", call_seconds),
        ("ic_odoo_errors_total", "counter", "Odoo call errors by class.", _odoo_errors()),
        ("ic_odoo_latency_seconds", "gauge", "Latency of the last connection test per Odoo connector.", latency),
        ("ic_odoo_up", "gauge", "1 when the last connection test of the Odoo connector passed.", up),
        ("ic_worklist_open_items", "gauge", "Open worklist items by category.", _worklist()),
        ("ic_reporting_last_success_timestamp_seconds", "gauge", "End of the last successful run per kind.",
         _runs()),
        ("ic_scrape_timestamp_seconds", "gauge", "When this page was computed.", [({}, timezone.now().timestamp())]),
    ]  # fmt: skip
