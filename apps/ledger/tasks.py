"""django-q2 tasks: thin wrappers (schedules are rows, created by migration 0003_schedules)."""

from contextlib import contextmanager

from apps.ledger.operations import ledger_daily
from apps.ledger.retention import ledger_payloads_archive
from integration_console.logs import correlation_id, new_correlation_id


@contextmanager
def _own_correlation_id():
    """One correlation id per task run, restored afterwards (workers run many tasks in one thread)."""
    token = correlation_id.set(new_correlation_id())
    try:
        yield
    finally:
        correlation_id.reset(token)


def ledger_daily_task() -> dict:
    """Daily: verify the chain and the anchors, then anchor the head. Safe to deliver twice."""
    with _own_correlation_id():
        return ledger_daily(actor="ledger-scheduler").as_dict()


def ledger_payloads_archive_task() -> int:
    """Daily: move payloads past retention to archive files. Idempotent (archived payloads are not due again)."""
    with _own_correlation_id():
        return len(ledger_payloads_archive(actor="ledger-scheduler"))
