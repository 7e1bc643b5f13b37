"""The posting lane: a worker posts batch k in a second thread while it prepares batch k+1.

    with posting_lane() as lane:
        for ids in batches:
            documents_prepare(document_ids=ids, …)
            lane.submit(documents_post, flow=flow, document_ids=mapped)   # first waits for the batch before
    # leaving the block waits for the last batch; an error of the lane's is raised here or at the next submit

Alone, a worker alternates: it prepares a batch (its own CPU) and then waits while Odoo posts it (Odoo's CPU),
so each side idles while the other works. With the lane, preparing overlaps Odoo's work. At most one batch is
in flight, so batches post in the order they were prepared and a task is never more than one batch ahead.

The lane's thread lives as long as the process: its Odoo gateway (connections kept alive, version read once) is
per thread (gateway.py). It closes its database connections when a block ends, so it holds none between tasks.
The lane runs inline — no thread — inside a transaction (another connection could not see the caller's
uncommitted documents) and when SYNC_POSTING_LANE is off.
"""

import contextlib
import contextvars
import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connection, connections

log = logging.getLogger(__name__)
_executor: ThreadPoolExecutor | None = None
_executor_pid: int | None = None
_lock = threading.Lock()


def _lane_executor() -> ThreadPoolExecutor:
    global _executor, _executor_pid
    with _lock:
        if _executor is None or _executor_pid != os.getpid():  # a forked worker does not inherit the thread
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="posting-lane")
            _executor_pid = os.getpid()
        return _executor


def _run(fn, args, kwargs):
    close_old_connections()  # as django-q does before each task: a connection past its age or broken is replaced
    return fn(*args, **kwargs)


class PostingLane:
    def __init__(self, *, threaded: bool):
        self.threaded = threaded
        self._pending: Future | None = None

    def submit(self, fn, /, *args, **kwargs) -> None:
        """Run fn(*args, **kwargs) in the lane once the previous call is done (its error is raised here)."""
        self.wait()
        if not self.threaded:
            fn(*args, **kwargs)
            return
        context = contextvars.copy_context()  # the run's correlation id goes with its ledger entries
        self._pending = _lane_executor().submit(context.run, _run, fn, args, kwargs)

    def wait(self) -> None:
        """Wait for the call in flight; raise its error."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def _close_connections(self) -> None:
        if self.threaded:
            _lane_executor().submit(connections.close_all).result()


@contextlib.contextmanager
def posting_lane():
    lane = PostingLane(threaded=settings.SYNC_POSTING_LANE and not connection.in_atomic_block)
    try:
        yield lane
        lane.wait()
    except BaseException:
        try:
            lane.wait()  # never leave a batch posting behind the caller's back
        except Exception:  # the caller's error is the one to raise; the lane's is logged
            log.exception("The posting lane failed while its caller was failing too.")
        raise
    finally:
        lane._close_connections()
