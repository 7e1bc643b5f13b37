"""What the chaos run found (2): two workers claiming overlapping batches deadlock on PostgreSQL.

`documents_post` (apps/sync/services/posting.py) claims its batch in one transaction, in id order, so that two
workers "lock rows in the same order (no deadlock)". But each claim (apps/documents/services.document_claim)
UPDATEs the row first and then appends its ledger entry, which takes the ledger's advisory lock
(apps/ledger/services.lock_and_read_head) until the transaction ends. From the second claim of a batch on, a
worker takes row locks while holding the ledger lock: worker B, holding the ledger lock after claiming d1, waits
for d2's row, which worker A locked before it started waiting for the ledger lock. PostgreSQL aborts one of them
("deadlock detected"): its task fails, and the documents it had claimed fall back to `mapped` without a retry
time, where only a later task of the same entity picks them up. The chaos runs logged 5 (2,000 reports, current
tree) and 7 (2,000 reports, with the lost-task fix) such task failures.

This test replays the interleaving exactly: B claims d1 (as the first step of its batch loop), A runs the real
`documents_post` for d2, and once A waits for the ledger lock, B claims d2. It failed ("deadlock detected") until
`documents_post` took the ledger lock before its first row lock.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from apps.documents.models import Document
from apps.documents.services import document_claim
from apps.sync.services.posting import documents_post
from tests.sync import helpers

pytestmark = pytest.mark.django_db(transaction=True)  # two threads, two connections, real locks


def waiting_for_the_ledger_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0] > 0


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_two_workers_claiming_overlapping_batches_do_not_deadlock(posting_setup):
    if connection.vendor != "postgresql":
        pytest.skip("row locks against the ledger's advisory lock: PostgreSQL only (SQLite serialises writers)")
    setup = posting_setup(17, trigger="webhook")
    first, second = (
        helpers.receive(setup, helpers.report(f"R-LOCK-{i}", lines=[helpers.line(f"R-LOCK-{i}-1", amount=f"{i}0.00")]))
        for i in (1, 2)
    )
    assert [helpers.prepare(setup, d) for d in (first, second)] == ["mapped", "mapped"]
    b_claimed_first, errors = threading.Event(), []

    def worker_b():  # documents_post's claim loop over [first, second], between its two claims
        try:
            with transaction.atomic():
                assert document_claim(first.pk, "mapped", "posting")
                b_claimed_first.set()
                assert wait_until(waiting_for_the_ledger_lock, timeout=10), "A never waited for the ledger lock"
                document_claim(second.pk, "mapped", "posting")
        except Exception as error:
            errors.append(f"B: {type(error).__name__}: {error}")
        finally:
            connections["default"].close()

    def worker_a():  # another task posting `second` at the same moment
        try:
            assert b_claimed_first.wait(10)
            documents_post(flow=setup.flow, document_ids=[second.pk])
        except Exception as error:
            errors.append(f"A: {type(error).__name__}: {error}")
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=worker_b), threading.Thread(target=worker_a)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert Document.objects.get(pk=second.pk).state in ("posting", "posted")  # claimed once, by one of them
