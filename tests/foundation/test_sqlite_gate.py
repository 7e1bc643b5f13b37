"""The SQLite write gate (integration_console/sqlite): a transaction holds `<database>.lock` from BEGIN to
COMMIT/ROLLBACK, and a waiting writer gets in as soon as it is released — not after a busy-handler sleep."""

import fcntl
import os
import threading
import time

import pytest
from django.db import connection, connections, transaction

from apps.entities.models import LegalEntity

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("the write gate belongs to the SQLite backend")


def gate_taken() -> bool:
    """Whether some transaction holds the gate (probed through a descriptor of our own)."""
    fd = os.open(f"{connection.settings_dict['NAME']}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock we may have taken
    return False


def test_a_transaction_holds_the_gate_until_it_commits():
    assert not gate_taken()
    with transaction.atomic():
        LegalEntity.objects.create(code="GA", name="Gate A", currency="EUR")
        assert gate_taken()
    assert not gate_taken()
    assert LegalEntity.objects.filter(code="GA").exists()


def test_a_rollback_and_a_closed_connection_release_it():
    with pytest.raises(RuntimeError), transaction.atomic():
        LegalEntity.objects.create(code="GB", name="Gate B", currency="EUR")
        raise RuntimeError("roll back")
    assert not gate_taken() and not LegalEntity.objects.filter(code="GB").exists()
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    assert gate_taken()
    connection.close()  # a connection dropped mid-transaction (e.g. a failed health check)
    assert not gate_taken()


def test_a_waiting_writer_gets_in_as_soon_as_the_holder_commits():
    holding, committing_at, entered_at = threading.Event(), [], []

    def holder():
        try:
            with transaction.atomic():
                LegalEntity.objects.create(code="GC", name="Gate C", currency="EUR")
                holding.set()
                # SQLite's busy handler would be sleeping in 100 ms steps by now (next wake-up at ~528 ms)
                time.sleep(0.45)
                # stamped before the commit: a waiter let in by the commit may stamp its entry before this thread
                # runs again after leaving the block
                committing_at.append(time.perf_counter())
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    assert holding.wait(5)
    with transaction.atomic():
        entered_at.append(time.perf_counter())
        LegalEntity.objects.create(code="GD", name="Gate D", currency="EUR")
    thread.join(5)
    assert committing_at and entered_at[0] >= committing_at[0]
    # Without the gate the waiter wakes at ~528 ms, >= 78 ms after the commit; with it, within a few ms (60: CI load).
    assert entered_at[0] - committing_at[0] < 0.06, "the waiter slept after the lock was free"
    assert set(LegalEntity.objects.filter(code__in=["GC", "GD"]).values_list("code", flat=True)) == {"GC", "GD"}


def lock_files_open() -> int:
    lock = os.path.realpath(f"{connection.settings_dict['NAME']}.lock")
    return sum(1 for fd in os.listdir("/proc/self/fd") if os.path.realpath(f"/proc/self/fd/{fd}") == lock)


def test_threads_that_come_and_go_leave_no_lock_file_open():
    # runserver answers each request in a thread of its own: a descriptor per thread must not pile up.
    def one_request(n):
        try:
            with transaction.atomic():
                LegalEntity.objects.create(code=f"T{n}", name=f"Thread {n}", currency="EUR")
        finally:
            connections.close_all()

    connection.close()
    before = lock_files_open()
    for n in range(20):
        thread = threading.Thread(target=one_request, args=(n,))
        thread.start()
        thread.join(5)
    assert lock_files_open() == before
    assert LegalEntity.objects.filter(code__startswith="T").count() == 20


def test_a_commit_is_durable_when_it_returns():
    # WAL with synchronous=NORMAL may lose the last commits on power loss, acknowledged webhooks among them.
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_the_placeholder_rewrite_is_remembered_and_keeps_literal_percents():
    from integration_console.sqlite.base import _qmark

    with connection.cursor() as cursor:
        cursor.execute("SELECT %s, '100%%', %s", [1, "x"])
        assert cursor.fetchone() == (1, "100%", "x")
    hits = _qmark.cache_info().hits
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s, '100%%', %s", [2, "y"])
        assert cursor.fetchone() == (2, "100%", "y")
    assert _qmark.cache_info().hits == hits + 1


def test_long_statements_are_rewritten_but_not_kept():
    from integration_console.sqlite.base import CACHED_QUERY_LENGTH, _qmark

    values = list(range(CACHED_QUERY_LENGTH // 3))
    sql = f"SELECT {', '.join(['%s'] * len(values))}"
    assert len(sql) > CACHED_QUERY_LENGTH
    before = _qmark.cache_info()
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        assert list(cursor.fetchone()) == values
    after = _qmark.cache_info()
    assert (after.hits, after.misses) == (before.hits, before.misses)
