"""Concurrent writers (threads and processes, on SQLite and PostgreSQL) keep one gap-free, valid chain."""

import multiprocessing
import random
import threading
import time

import pytest
from django.db import connection, connections, transaction

from apps.ledger.models import LedgerEntry
from apps.ledger.services import ledger_append, ledger_append_many
from apps.ledger.verification import verify_chain

WRITERS, EACH = 4, 25


def _write(name: str, count: int) -> None:
    """One writer: single appends, some inside a longer transaction, some rolled back, one batch."""
    rng = random.Random(name)
    for i in range(count):
        try:
            with transaction.atomic():
                ledger_append(kind="k.concurrent", direction="internal", actor=name, payload={"i": i})
                if rng.random() < 0.2:
                    time.sleep(0.002)  # hold the chain lock a little: others must wait, not fork the chain
                if i % 10 == 9:
                    raise _Rollback
        except _Rollback:
            pass
    ledger_append_many(
        [{"kind": "k.batch", "direction": "internal", "actor": name, "payload": {"b": b}} for b in range(5)]
    )


class _Rollback(Exception):
    pass


def _thread_writer(name, errors):
    try:
        _write(name, EACH)
    except Exception as error:  # surfaced by the test, not swallowed
        errors.append(repr(error))
    finally:
        connections.close_all()


def _process_writer(name):
    connections["default"].connection = None  # never reuse the parent's database handle after fork
    _write(name, EACH)
    connections["default"].close()


def _expected_total():
    committed_singles = EACH - EACH // 10
    return WRITERS * (committed_singles + 5)


def _assert_gap_free_and_valid():
    sequences = list(LedgerEntry.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, _expected_total() + 1))
    result = verify_chain()
    assert result.ok, result.summary()


@pytest.mark.django_db(transaction=True)
def test_concurrent_threads_keep_a_gap_free_valid_chain():
    errors = []
    threads = [threading.Thread(target=_thread_writer, args=(f"worker-{n}", errors)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    _assert_gap_free_and_valid()


@pytest.mark.django_db(transaction=True)
def test_concurrent_processes_keep_a_gap_free_valid_chain():
    """Forked writers, each with its own connection: the SQLite write lock / the PostgreSQL advisory lock."""
    connection.close()
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_process_writer, args=(f"proc-{n}",)) for n in range(WRITERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [p.exitcode for p in processes] == [0] * WRITERS
    _assert_gap_free_and_valid()
