"""A per-process cache of a few rows every request needs (the webhook's connector and secrets, the active legal
entities): no query while an entry is fresh.

    class Things(ProcessCache): ...          # get(): self.fresh(key) or load under self.loading()
    things = Things(Model, …, name="things") # watches the models' saves and deletes in this process

Freshness: in this process a save or delete of a watched model empties the cache at once and again when its
transaction commits, and a generation number stops a load that read the database before that commit from storing
what it read; in other processes (other gunicorn workers, the qcluster) an entry lives at most TTL seconds.
Misses are not cached (`forget`), so random keys cannot grow the cache.
"""

import threading
import time

from django.db import transaction
from django.db.models.signals import post_delete, post_save


class ProcessCache:
    TTL = 5.0

    def __init__(self, *models, name: str) -> None:
        self._entries: dict = {}  # key → (value, loaded at: time.monotonic())
        self._generation = 0
        self._lock = threading.Lock()
        for model in models:
            post_save.connect(self.invalidate, sender=model, dispatch_uid=f"{name}-{model.__name__}")
            post_delete.connect(self.invalidate, sender=model, dispatch_uid=f"{name}-del-{model.__name__}")

    def clear(self, **_ignored) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def invalidate(self, **_ignored) -> None:
        """Signal receiver: clear now (this request) and after the commit (loads racing the transaction)."""
        self.clear()
        transaction.on_commit(self.clear)

    def fresh(self, key):
        """The value stored for key within TTL, else None."""
        entry = self._entries.get(key)
        if entry is not None and time.monotonic() - entry[1] < self.TTL:
            return entry[0]
        return None

    def loading(self) -> tuple[int, float]:
        """(generation, time) before a load reads the database: the entry's age counts from the read."""
        return self._generation, time.monotonic()

    def store(self, key, value, started: tuple[int, float]) -> None:
        """Keep what a load read, unless a change of a watched model happened since it started."""
        generation, loaded_at = started
        with self._lock:
            if generation == self._generation:
                self._entries[key] = (value, loaded_at)

    def forget(self, key) -> None:
        self._entries.pop(key, None)
