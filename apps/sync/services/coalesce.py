"""One pending prepare task per source, object type and entity, however many webhooks arrive meanwhile.

    prepare_enqueue(document)                    # after the document's commit: enqueue unless one is pending
    batch_linger(source, object_type, entity, n) # webhook flows: wait briefly for a full batch (marker still set)
    prepare_started(source, object_type, entity) # then the task drops the marker, before it selects documents

Why no document is left without a task: a webhook calls `prepare_enqueue` only after its document committed.
Its marker insert either creates the row (→ it enqueues a task, which will see the document) or meets a row that
is still there, i.e. whose task has not yet run `prepare_started`; that task deletes the row (committed on its
own) and only then selects the documents, so it sees this one. A webhook arriving after the delete inserts a
new row and enqueues a new task. A task lost by the broker leaves its row behind: the row counts as pending for
STALE only (then the next webhook enqueues again), and `runs.redrive_stalled` re-drives what it should have
moved. Duplicate tasks are harmless: every stage claims by compare-and-set.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from apps.documents.models import Document
from apps.documents.states import DocumentState
from apps.sync.models import PendingPrepare

# A task queued this long ago and not started is taken for lost (a worker killed with prefetched tasks).
STALE = timedelta(seconds=60)
TASK = "apps.sync.tasks.entity_prepare_task"


def _mark(source: str, object_type: str, entity_id: int, now) -> bool:
    """True when this call owns the marker and must enqueue the task.

    A fresh marker is first looked for with a plain read: during a burst it is nearly always there, and a read
    takes no write lock. Seeing it is enough: its task has not started, so it will select this document
    (committed before the read). Otherwise one upsert inserts the marker or refreshes a stale one (SQLite ≥ 3.24
    and PostgreSQL); its row count says whether this call won it."""
    table = connection.ops.quote_name(PendingPrepare._meta.db_table)
    stamp = connection.ops.adapt_datetimefield_value(now)
    oldest = connection.ops.adapt_datetimefield_value(now - STALE)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {table} WHERE source_connector = %s AND object_type = %s AND entity_id = %s "
            f"AND queued_at >= %s",
            [source, object_type, entity_id, oldest],
        )
        if cursor.fetchone() is not None:
            return False
    # In a transaction of its own so that, on SQLite, it queues at the write gate like every other writer.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (source_connector, object_type, entity_id, queued_at) VALUES (%s, %s, %s, %s) "
            f"ON CONFLICT (source_connector, object_type, entity_id) DO UPDATE SET queued_at = excluded.queued_at "
            f"WHERE {table}.queued_at < %s",
            [source, object_type, entity_id, stamp, oldest],
        )
        return cursor.rowcount == 1


def prepare_enqueue(document, *, broker=None, now=None) -> bool:
    """Enqueue the prepare task of the document's source, object type and entity unless one is pending.
    Call after the document committed (on_commit). Returns whether a task was enqueued."""
    from django_q.tasks import async_task

    key = (document.source_connector, document.object_type, document.entity_id)
    if not _mark(*key, now or timezone.now()):
        return False
    try:
        async_task(TASK, *key, **({"broker": broker} if broker is not None else {}))
    except BaseException:
        prepare_started(*key)  # no task carries the marker: let the next webhook enqueue one
        raise
    return True


ARRIVAL = ("pk", "source_connector", "object_type", "entity_id", "state")
ARRIVALS = 1000  # rows read per poll at most (a poll sees what arrived in the last 50 ms)
ID_WINDOW = 1_000_000  # ids a poll looks ahead (far more than arrive between two polls, gaps included)


def batch_linger(
    source: str,
    object_type: str,
    entity_id: int,
    size: int,
    *,
    seconds: float | None = None,
    quiet: float = 0.2,
    poll: float = 0.05,
) -> int:
    """While webhooks keep arriving, wait until `size` documents of the key are `received`, for at most `seconds`
    (settings.SYNC_BATCH_LINGER): a burst is then posted in full batches, and a batch of 250 costs Odoo the same
    handful of calls as a batch of 3. Stops as soon as the count has not grown for `quiet` seconds, so a lone
    webhook waits only that long. Call before `prepare_started`: while the marker is there, webhooks arriving
    meanwhile enqueue nothing, as this task will select them. Never waits when django-q runs tasks inline (the
    caller is then the webhook's own request). Returns how many documents wait, counting up to `size`."""
    from django_q.conf import Conf

    seconds = settings.SYNC_BATCH_LINGER if seconds is None else seconds
    waiting = Document.objects.filter(source_connector=source, object_type=object_type, entity_id=entity_id,
                                      state=DocumentState.RECEIVED)  # fmt: skip
    count = waiting.order_by()[:size].count()  # up to `size` only: while the workers are behind, thousands wait
    if seconds <= 0 or Conf.SYNC or count >= size:
        return count
    # Then only what arrived since (a primary-key range): counting the key's received documents again at every
    # poll (20 a second) read every index entry they ever had until a vacuum removed the dead ones.
    newest = Document.objects.aggregate(newest=Max("pk"))["newest"] or 0
    start = last_growth = time.monotonic()
    while count < size:
        now = time.monotonic()
        if now - start >= seconds or now - last_growth >= quiet:
            break
        time.sleep(poll)
        # Every key's arrivals, filtered here: a primary-key range is the one plan both databases always pick. It
        # is bounded on both sides: PostgreSQL plans a prepared `id > $1` for a third of the table (a scan of it).
        after = Document.objects.filter(pk__gt=newest, pk__lte=newest + ID_WINDOW)
        arrived = list(after.order_by("pk").values_list(*ARRIVAL)[:ARRIVALS])
        if arrived:
            newest = arrived[-1][0]
            mine = sum(row[1:] == (source, object_type, entity_id, DocumentState.RECEIVED) for row in arrived)
            if mine:
                count, last_growth = count + mine, time.monotonic()
    return min(count, size)


def prepare_started(source: str, object_type: str, entity_id: int) -> None:
    """The task has started: from now on a new webhook enqueues a new task. Must commit before the task selects
    its documents (the task runs in autocommit; inside a test's transaction the order is what matters)."""
    PendingPrepare.objects.filter(source_connector=source, object_type=object_type, entity_id=entity_id).delete()


def stale_markers_clear(*, now=None) -> int:
    """The retry sweep: drop markers whose task was lost (their documents are re-driven by redrive_stalled)."""
    now = now or timezone.now()
    return PendingPrepare.objects.filter(queued_at__lt=now - STALE).delete()[0]
