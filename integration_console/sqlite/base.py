"""SQLite with a write gate: processes that want to write queue on an OS file lock, not on SQLite's busy handler.

SQLite lets one writer in at a time. A writer that finds the lock taken is parked by SQLite's busy handler, which
sleeps in growing steps (1, 2, 5, 10 … 100 ms) and polls: under a burst of webhooks most deliveries wait a few
milliseconds, but the unlucky ones sleep 100 ms at a time while the lock is free again after one. Here every
transaction (Django opens them with `BEGIN IMMEDIATE`, see integration_console/config.py) first takes an exclusive
`flock` on `<database>.lock`; the kernel wakes the next waiter the moment the holder commits or rolls back, and a
process that dies mid-transaction loses its lock with its file descriptor. Statements run outside a transaction
(autocommit) are not gated: SQLite's busy timeout still covers them.

A waiter has no deadline of its own: the holder is either working or dead (and then released). Long waits are
bounded by what runs the code (gunicorn's worker timeout, the task queue's timeout).
"""

import fcntl
import functools
import os

from django.db.backends.sqlite3 import base

CACHED_QUERY_LENGTH = 4096  # longer texts are batch statements (their rows amortise the rewrite): not kept


@functools.lru_cache(maxsize=1024)
def _qmark(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class CursorWrapper(base.SQLiteCursorWrapper):
    """Django's cursor, with its %s → ? rewrite remembered per SQL text: statements repeat (the ORM and the
    prepared ones of integration_console.sql put values in parameters), and the regex ran on every execution —
    a twentieth of a webhook delivery's CPU."""

    def convert_query(self, query, *, param_names=None):
        if param_names is None and len(query) <= CACHED_QUERY_LENGTH:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(base.DatabaseWrapper):
    _gate = None  # the lock file, opened by this process (a file object: closed with the wrapper if never closed)
    _gate_pid: int | None = None
    _gate_held = False

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=CursorWrapper)

    def _gate_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        return None if self.is_in_memory_db() or name.startswith("file:") else f"{name}.lock"

    def _gate_acquire(self) -> None:
        path = self._gate_path()
        if path is None or (self._gate_held and self._gate_pid == os.getpid()):
            return
        if self._gate_pid != os.getpid():  # a file inherited through fork shares its lock: open our own
            self._gate, self._gate_pid = open(path, "ab"), os.getpid()  # noqa: SIM115 — closed in _close
        fcntl.flock(self._gate.fileno(), fcntl.LOCK_EX)
        self._gate_held = True

    def _gate_release(self) -> None:
        # Never unlock a file inherited through fork: its lock is the parent's.
        if self._gate_held and self._gate_pid == os.getpid():
            fcntl.flock(self._gate.fileno(), fcntl.LOCK_UN)
        self._gate_held = False

    def _start_transaction_under_autocommit(self):
        self._gate_acquire()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._gate_release()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._gate_release()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._gate_release()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._gate_release()
            if self._gate is not None and self._gate_pid == os.getpid():
                self._gate.close()  # one descriptor per open connection, not per thread that ever had one
            self._gate, self._gate_pid = None, None
