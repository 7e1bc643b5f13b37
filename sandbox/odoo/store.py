"""In-memory record store with write-through to SQLite.

Every RPC call runs inside `Store.transaction()`: changes are applied in memory, an undo log keeps the old
values, and on success the touched rows are written to SQLite in one SQLite transaction (so state survives a
restart). On an exception the memory is restored from the undo log and nothing reaches the disk. Callers
serialise transactions with `Store.lock` (one call at a time, like a single Odoo worker).
"""

from __future__ import annotations

import copy
import json
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

_MISSING = object()


def _key(value):
    return tuple(value) if isinstance(value, list) else value


class Store:
    """Records are plain dicts keyed by model then id; `meta` holds sequences, API keys and counters."""

    def __init__(self, path: Path | None):
        self.lock = threading.RLock()
        self.tables: dict[str, dict[int, dict]] = {}
        self.meta: dict[str, object] = {}
        self._undo: dict | None = None
        self._savepoints: list[dict] = []  # each: the values it saw first, restored when its block fails
        self._indexes: dict[tuple[str, str], dict] = {}
        self._db = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS records (model TEXT, id INTEGER, data TEXT, PRIMARY KEY (model, id))"
            )
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")

    # -- loading ---------------------------------------------------------------------------------------------
    def load(self) -> bool:
        """Read the SQLite file into memory; False when it holds nothing (the caller seeds)."""
        if self._db is None:
            return False
        rows = self._db.execute("SELECT model, id, data FROM records").fetchall()
        for model, rid, data in rows:
            self.tables.setdefault(model, {})[rid] = json.loads(data)
        for key, value in self._db.execute("SELECT key, value FROM meta"):
            self.meta[key] = json.loads(value)
        return bool(rows)

    def wipe(self) -> None:
        self._indexes.clear()
        self.tables.clear()
        self.meta.clear()
        if self._db is not None:
            self._db.execute("DELETE FROM records")
            self._db.execute("DELETE FROM meta")

    def save_all(self) -> None:
        """Write everything (after seeding)."""
        if self._db is None:
            return
        self._db.execute("BEGIN")
        self._db.executemany(
            "INSERT OR REPLACE INTO records VALUES (?, ?, ?)",
            [(m, i, json.dumps(r)) for m, t in self.tables.items() for i, r in t.items()],
        )
        self._db.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in self.meta.items()]
        )
        self._db.execute("COMMIT")

    # -- transactions ----------------------------------------------------------------------------------------
    @contextmanager
    def transaction(self):
        with self.lock:
            if self._undo is not None:  # nested: part of the outer transaction
                yield
                return
            self._undo = {}
            try:
                yield
            except BaseException:
                self._rollback()
                raise
            else:
                self._commit()
            finally:
                self._undo = None

    @contextmanager
    def savepoint(self):
        """Inside a transaction: a failing block undoes its own changes only (the exception goes on), as
        PostgreSQL's SAVEPOINT / ROLLBACK TO in Odoo's `load()`."""
        saved: dict = {}
        self._savepoints.append(saved)
        try:
            yield
        except BaseException:
            self._restore(saved)
            raise
        finally:
            self._savepoints.pop()

    def _remember(self, key) -> None:
        if self._undo is None:
            return
        logs = [log for log in (self._undo, *self._savepoints) if key not in log]
        if not logs:
            return
        source = self.meta if key[0] == "meta" else self.tables.get(key[0], {})
        old = source.get(key[1], _MISSING)
        for log in logs:
            log[key] = copy.deepcopy(old) if old is not _MISSING else old

    def _rollback(self) -> None:
        self._restore(self._undo)

    def _restore(self, log: dict) -> None:
        for model, _ in log:
            self._drop_indexes(model)
        for (model, rid), old in log.items():
            target = self.meta if model == "meta" else self.tables.setdefault(model, {})
            if old is _MISSING:
                target.pop(rid, None)
            else:
                target[rid] = old

    def _commit(self) -> None:
        if self._db is None or not self._undo:
            return
        upserts, deletes, metas = [], [], []
        for model, rid in self._undo:
            if model == "meta":
                metas.append((rid, json.dumps(self.meta.get(rid))))
                continue
            rec = self.tables.get(model, {}).get(rid)
            if rec is None:
                deletes.append((model, rid))
            else:
                upserts.append((model, rid, json.dumps(rec)))
        self._db.execute("BEGIN")
        self._db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?)", upserts)
        self._db.executemany("DELETE FROM records WHERE model = ? AND id = ?", deletes)
        self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", metas)
        self._db.execute("COMMIT")

    # -- record access ---------------------------------------------------------------------------------------
    def table(self, model: str) -> dict[int, dict]:
        return self.tables.setdefault(model, {})

    def get(self, model: str, rid: int) -> dict | None:
        return self.tables.get(model, {}).get(rid)

    def next_id(self, model: str) -> int:
        key = "next_id:" + model
        value = self.meta.get(key) or (max(self.table(model), default=0) + 1)
        self.set_meta(key, value + 1)
        return value

    def insert(self, model: str, values: dict, rid: int | None = None) -> int:
        rid = rid or self.next_id(model)
        self._remember((model, rid))
        self.table(model)[rid] = record = dict(values, id=rid)
        self._reindex(model, rid, None, record)
        return rid

    def update(self, model: str, rid: int, values: dict) -> None:
        self._remember((model, rid))
        record = self.table(model)[rid]
        old = {field: record.get(field) for (m, field) in self._indexes if m == model and field in values}
        record.update(values)
        if old:
            self._reindex(model, rid, old, record)

    def delete(self, model: str, rid: int) -> None:
        self._remember((model, rid))
        record = self.table(model).pop(rid, None)
        if record is not None:
            self._reindex(model, rid, record, None)

    # -- indexes (value of one field -> ids), built on first use and kept up to date by every change: one2many
    # reads, exact-match searches and the external-id unique check stay O(matches) instead of O(table) --------
    def _index(self, model: str, field: str) -> dict:
        index = self._indexes.get((model, field))
        if index is None:
            index = self._indexes[(model, field)] = {}
            for rid, record in self.table(model).items():
                index.setdefault(_key(record.get(field)), set()).add(rid)
        return index

    def children(self, model: str, field: str, value) -> list[int]:
        return sorted(self._index(model, field).get(_key(value), ()))

    def matching(self, model: str, field: str, values) -> list[int]:
        """Ids whose `field` holds one of `values`, in id order."""
        index = self._index(model, field)
        found = set()
        for value in values:
            found.update(index.get(_key(value), ()))
        return sorted(found)

    def _reindex(self, model, rid, old, new):
        for (m, field), index in self._indexes.items():
            if m != model or (old is not None and new is not None and field not in old):
                continue
            if old is not None:
                index.get(_key(old.get(field)), set()).discard(rid)
            if new is not None:
                index.setdefault(_key(new.get(field)), set()).add(rid)

    def _drop_indexes(self, model):
        for key in [k for k in self._indexes if k[0] == model]:
            del self._indexes[key]

    def get_meta(self, key: str, default=None):
        return self.meta.get(key, default)

    def set_meta(self, key: str, value) -> None:
        self._remember(("meta", key))
        self.meta[key] = value
