"""The posting lanes: a worker posts its batches in other threads while it prepares the next ones.

    with posting_lane() as lane:
        for ids in batches:
            documents_prepare(document_ids=ids, …)
            lane.submit(documents_post, flow=flow, document_ids=mapped)   # waits while every lane is busy
    # leaving the block waits for the batches in flight; an error of a lane's is raised here or at a submit

Alone, a worker alternates: it prepares a batch and builds its payloads (its own CPU), then waits while Odoo
posts it (Odoo's CPU), so each side idles while the other works. With SYNC_POSTING_LANES batches in flight
(default 2) the worker prepares the next batch and records or builds one while Odoo works on another: one more
lane does not help on two cores (measured: 2,000 reports posted in 7.4 s with one lane, 5.8–6.3 s with two,
6.6 s with three). Claims keep each document to one lane; batches may finish out of order.

The lanes' threads live as long as the process: an Odoo gateway (connections kept alive, version read once) is
per thread (gateway.py). They close their database connections when a block ends, so they hold none between
tasks. Inline — no thread — inside a transaction (another connection could not see the caller's uncommitted
documents) and when SYNC_POSTING_LANES is 0.
"""

import contextlib
import contextvars
import logging
import os
import queue
import threading
from concurrent.futures import Future

from django.conf import settings
from django.db import close_old_connections, connection, connections

log = logging.getLogger(__name__)
_threads: dict[int, list["_LaneThread"]] = {}  # per process: a forked worker starts its own
_lock = threading.Lock()


class _LaneThread(threading.Thread):
    """One lane: runs the calls given to it, one after the other, each with a Future for its result."""

    def __init__(self, number: int):
        super().__init__(name=f"posting-lane-{number}", daemon=True)
        self.calls: queue.SimpleQueue = queue.SimpleQueue()
        self.start()

    def call(self, fn, *args) -> Future:
        future = Future()
        self.calls.put((future, fn, args))
        return future

    def run(self):
        while True:
            future, fn, args = self.calls.get()
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as error:  # noqa: BLE001 — handed to the caller, who raises it
                    future.set_exception(error)


def _lane_threads(count: int) -> list[_LaneThread]:
    with _lock:
        threads = _threads.setdefault(os.getpid(), [])
        while len(threads) < count:
            threads.append(_LaneThread(len(threads) + 1))
        return threads[:count]


def _run(fn, args, kwargs):
    close_old_connections()  # as django-q does before each task: a connection past its age or broken is replaced
    return fn(*args, **kwargs)


class PostingLane:
    def __init__(self, *, lanes: int):
        self.lanes = lanes
        self._pending: list[tuple[_LaneThread, Future]] = []

    def submit(self, fn, /, *args, **kwargs) -> None:
        """Run fn(*args, **kwargs) in a free lane, first waiting while all are busy (their errors are raised)."""
        if not self.lanes:
            fn(*args, **kwargs)
            return
        self.wait(keep=self.lanes - 1)
        busy = {thread for thread, _ in self._pending}
        thread = next(t for t in _lane_threads(self.lanes) if t not in busy)
        context = contextvars.copy_context()  # the run's correlation id goes with its ledger entries
        self._pending.append((thread, thread.call(context.run, _run, fn, args, kwargs)))

    def wait(self, keep: int = 0) -> None:
        """Wait until at most `keep` calls are in flight, oldest first; raise the first error met."""
        while len(self._pending) > keep:
            self._pending.pop(0)[1].result()

    def close(self) -> None:
        """The lanes' database connections closed: none is held between tasks."""
        for thread in _lane_threads(self.lanes):
            thread.call(connections.close_all).result()


@contextlib.contextmanager
def posting_lane():
    lane = PostingLane(lanes=0 if connection.in_atomic_block else max(0, settings.SYNC_POSTING_LANES))
    try:
        yield lane
        lane.wait()
    except BaseException:
        while lane._pending:  # never leave a batch posting behind the caller's back
            try:
                lane.wait()
            except Exception:  # the caller's error is the one to raise; the lane's is logged
                log.exception("A posting lane failed while its caller was failing too.")
        raise
    finally:
        lane.close()
