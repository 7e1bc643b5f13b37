"""The hourly operations rollup: ledger entries folded into counts per hour, entity and metric.

    folded = ops_rollup()        # entries folded this call (every minute from the schedule)

Incremental and exactly-once: a cursor row holds the last ledger sequence folded; each chunk's counts are
added and the cursor moved in one transaction, under a lock on the cursor, so two workers never fold the same
entries. The dashboard and /metrics read only this table (plus small live tables), so they stay fast whatever
the size of the ledger. Received → posted latency is kept as a histogram (metrics `latency_le_<bucket>`).
"""

from __future__ import annotations

from collections import Counter

from django.db import connection, transaction

from apps.documents.models import Document
from apps.ledger.models import LedgerEntry
from apps.reporting.models import OpsHourly, RollupCursor

CURSOR = "ledger"
CHUNK = 20000
# Upper bounds in seconds, with the label used in the metric name; the last bucket is open.
LATENCY_BUCKETS = [(60, "1m"), (300, "5m"), (900, "15m"), (3600, "1h"), (4 * 3600, "4h"), (12 * 3600, "12h"),
                   (86400, "1d"), (3 * 86400, "3d"), (7 * 86400, "7d"), (None, "inf")]  # fmt: skip
SIMPLE = {
    ("document.received", "ok"): "received",
    ("document.received", "duplicate"): "duplicate_received",
    ("document.received", "rejected"): "refused",
    ("document.held", "held"): "held",
    ("document.rejected", "rejected"): "rejected",
    ("document.dead_letter", "failed"): "dead_letter",
    ("document.confirmed", "ok"): "confirmed",
    ("document.published", "ok"): "published",
    ("journal_entry.posted", "duplicate"): "duplicate_posting",
    ("expense_report.posted", "duplicate"): "duplicate_posting",
    ("reimbursement.status_sent", "ok"): "status_sent",
    ("reimbursement.status_sent", "failed"): "status_send_failed",
    ("master_data.pushed", "ok"): "master_data_pushed",
    ("sync_run.finished", "ok"): "run_succeeded",
    ("sync_run.finished", "failed"): "run_failed",
    ("connector.auth_failed", "failed"): "auth_failed",
    ("connector.auth_failed", "ok"): "auth_failed",
}
RETRY_REASON = "Temporary failure"  # apps.sync.services.holds.release_for_retry


def latency_metric(seconds: float) -> str:
    for bound, label in LATENCY_BUCKETS:
        if bound is None or seconds <= bound:
            return f"latency_le_{label}"
    raise AssertionError("unreachable")


def metrics_of(kind: str, outcome: str, reason: str) -> str | None:
    """The metric one ledger entry counts toward (None: not counted). Pure."""
    if kind == "document.posted":
        return "posted"
    if kind == "document.mapped" and reason.startswith(RETRY_REASON):
        return "retry"
    return SIMPLE.get((kind, outcome))


def fold(entries: list[tuple], documents: dict[str, tuple]) -> Counter:
    """Counts {(hour, entity, metric): n} of `entries` (sequence, time, kind, outcome, entity, document, reason);
    `documents` maps a document key to (received_at, line_count) for the posted ones. Pure."""
    counts = Counter()
    for _seq, when, kind, outcome, entity, key, reason in entries:
        metric = metrics_of(kind, outcome, reason or "")
        if metric is None:
            continue
        hour = when.replace(minute=0, second=0, microsecond=0)
        counts[(hour, entity, metric)] += 1
        if metric == "posted" and key in documents:
            received_at, lines = documents[key]
            counts[(hour, entity, "lines_posted")] += lines
            counts[(hour, entity, latency_metric((when - received_at).total_seconds()))] += 1
    return counts


def _add(counts: Counter) -> None:
    """count += n for each (hour, entity, metric), inserting missing rows (one statement per chunk)."""
    if not counts:
        return
    table = OpsHourly._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    sql = (f"INSERT INTO {table} (hour, entity, metric, count) VALUES (%s, %s, %s, %s) "
           f"ON CONFLICT (hour, entity, metric) DO UPDATE SET count = {table}.count + excluded.count")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(adapt(h), e, m, n) for (h, e, m), n in counts.items()])


def _fold_chunk(position: int) -> int:
    """Fold the next chunk after `position`; return the new position (unchanged when caught up)."""
    entries = list(LedgerEntry.objects.filter(sequence__gt=position).order_by("sequence").values_list(
        "sequence", "recorded_at", "kind", "outcome", "entity", "document", "reason")[:CHUNK])  # fmt: skip
    if not entries:
        return position
    keys = {e[5] for e in entries if e[2] == "document.posted" and e[5]}
    documents = {}
    for start in range(0, len(keys), 2000):
        chunk = list(keys)[start : start + 2000]
        for key, received_at, lines in Document.objects.filter(idempotency_key__in=chunk).values_list(
            "idempotency_key", "received_at", "line_count"
        ):
            documents[key] = (received_at, lines)
    _add(fold(entries, documents))
    return entries[-1][0]


def ops_rollup(*, max_entries: int = 500_000) -> int:
    """Fold new ledger entries into OpsHourly (see the module docstring); returns how many were folded."""
    folded = 0
    while folded < max_entries:
        with transaction.atomic():
            RollupCursor.objects.get_or_create(name=CURSOR)
            cursor = RollupCursor.objects.select_for_update().get(name=CURSOR)
            position = _fold_chunk(cursor.position)
            if position == cursor.position:
                return folded
            folded += position - cursor.position
            cursor.position = position
            cursor.save(update_fields=["position", "updated_at"])
    return folded
