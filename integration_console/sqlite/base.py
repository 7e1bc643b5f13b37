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
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _gate_fd: int | None = None
    _gate_pid: int | None = None
    _gate_held = False

    def _gate_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        return None if self.is_in_memory_db() or name.startswith("file:") else f"{name}.lock"

    def _gate_acquire(self) -> None:
        path = self._gate_path()
        if path is None or self._gate_held:
            return
        if self._gate_pid != os.getpid():  # a descriptor inherited through fork shares its lock: open our own
            self._gate_fd, self._gate_pid = os.open(path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
        fcntl.flock(self._gate_fd, fcntl.LOCK_EX)
        self._gate_held = True

    def _gate_release(self) -> None:
        if self._gate_held and self._gate_pid == os.getpid():
            fcntl.flock(self._gate_fd, fcntl.LOCK_UN)
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
