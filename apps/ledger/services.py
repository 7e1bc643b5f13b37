"""The one writer of the ledger.

`ledger_append` is the only way to add an entry. It runs inside the caller's transaction, so the entry commits
with the state change it records or not at all, and it serialises writers so the chain has no gaps and no forks:
- PostgreSQL: `pg_advisory_xact_lock(LEDGER_LOCK)`, held until the caller's transaction ends; the head is read
  after the lock is granted (READ COMMITTED takes a fresh snapshot per statement, so it sees the last commit),
  both in one call of the `ledger_lock_head` function (migration 0005);
- SQLite: the database write lock, taken at BEGIN (settings use transaction_mode IMMEDIATE).
A long caller transaction therefore delays other writers: append at the end of the unit of work.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from apps.ledger import chain
from apps.ledger.models import (
    LedgerEntry,
    LedgerEntryActorType,
    LedgerEntryDirection,
    LedgerEntryOutcome,
)
from apps.ledger.redaction import redact
from integration_console.logs import correlation_id as current_correlation_id

LEDGER_LOCK = 0x1ED6E4  # advisory lock key reserved for the ledger chain
SYSTEM_ACTOR = "system"
_DIRECTIONS, _OUTCOMES = frozenset(LedgerEntryDirection.values), frozenset(LedgerEntryOutcome.values)
_TEXT_LIMITS = {f.name: f.max_length for f in LedgerEntry._meta.fields if getattr(f, "max_length", None)}


class LedgerError(ValueError):
    """An entry that cannot be recorded as given (unknown direction/outcome, missing kind)."""


def _actor_fields(actor) -> dict:
    if actor is None or actor == SYSTEM_ACTOR:
        return {"actor_type": LedgerEntryActorType.SYSTEM, "actor_id": "", "actor_name": SYSTEM_ACTOR}
    if isinstance(actor, str):
        return {"actor_type": LedgerEntryActorType.SERVICE, "actor_id": "", "actor_name": actor}
    return {"actor_type": LedgerEntryActorType.USER, "actor_id": str(actor.pk), "actor_name": actor.get_username()}


def ledger_lock() -> None:
    """Take the ledger's writer lock now (held until the caller's transaction ends), without reading the head.

    For batch writers that lock rows before appending: taking the ledger first keeps one lock order for every
    writer (no deadlock between a row lock and the ledger's). SQLite: the IMMEDIATE transaction already holds the
    database's write lock, so there is nothing more to take. Must run inside transaction.atomic().
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEDGER_LOCK])


def lock_and_read_head() -> tuple[int, str, dt.datetime | None]:
    """Serialise writers (until the caller's transaction ends), then read the head of the chain.

    Returns (sequence, hash, recorded_at) of the last entry, or (0, genesis hash, None) for an empty ledger.
    Must run inside transaction.atomic().
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # lock, then read in a fresh snapshot: one call (migration 0005)
            cursor.execute("SELECT * FROM ledger_lock_head(%s)", [LEDGER_LOCK])
        else:
            cursor.execute("SELECT sequence, hash, recorded_at FROM ledger_ledgerentry ORDER BY sequence DESC LIMIT 1")
        row = cursor.fetchone()
    if not row:
        return 0, chain.GENESIS_HASH, None
    recorded_at = row[2] if row[2].tzinfo else row[2].replace(tzinfo=dt.UTC)
    return row[0], row[1], recorded_at


def ledger_prepare(spec: dict) -> tuple[dict, str]:
    """Validate one entry spec (ledger_append's keyword arguments as a dict); return (entry fields without chain
    position, canonical payload text). Raises LedgerError. Its redaction and JSON need no lock: a writer that
    prepares before its transaction holds the ledger's lock only to chain and insert (ledger_append_prepared)."""
    kind = spec.get("kind") or ""
    if not kind:
        raise LedgerError("A ledger entry needs a kind, e.g. 'journal_entry.posted'.")
    if spec.get("direction") not in _DIRECTIONS:
        raise LedgerError(f"Direction must be one of {', '.join(LedgerEntryDirection.values)}.")
    outcome = spec.get("outcome") or LedgerEntryOutcome.OK
    if outcome not in _OUTCOMES:
        raise LedgerError(f"Outcome must be one of {', '.join(LedgerEntryOutcome.values)}.")
    correlation = spec.get("correlation_id")
    if correlation is None:
        correlation = current_correlation_id.get()
    fields = {
        "direction": spec["direction"],
        "kind": kind,
        "outcome": outcome,
        "correlation_id": "" if correlation in (None, "-") else str(correlation),
        "reason": str(spec.get("reason") or ""),
        **_actor_fields(spec.get("actor")),
    }
    for name in ("entity", "connector", "flow", "source_system", "source_id", "document"):
        fields[name] = str(spec.get(name) or "")
    fields["target_model"] = str(spec.get("target_model") or "")
    fields["target_id"] = str(spec.get("target_id") or "")
    for name, value in fields.items():
        limit = _TEXT_LIMITS.get(name)
        if limit and len(value) > limit:
            raise LedgerError(f"Ledger field {name} is longer than {limit} characters.")
    try:
        text = chain.payload_text(redact(spec.get("payload") or {}))
    except (TypeError, ValueError) as error:
        raise LedgerError(f"The payload of {kind} cannot be stored as JSON: {error}") from None
    return fields, text


COPY_FROM = 50  # rows; below this a plain INSERT is quicker than setting up a COPY
ENTRY_COLUMNS = tuple(field.attname for field in LedgerEntry._meta.concrete_fields)


def _insert_sql(table: str, columns: tuple) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"


ENTRY_INSERT = _insert_sql("ledger_ledgerentry", ENTRY_COLUMNS)
PAYLOAD_INSERT = _insert_sql("ledger_ledgerpayload", ("sequence", "body"))


def _insert(entry_rows: list[tuple], payload_rows: list[tuple]) -> None:
    """INSERT the rows: COPY for PostgreSQL batches (the ORM's per-field work dominated them), else INSERT."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(entry_rows) == len(payload_rows) == 1:
            # One entry with its payload (every webhook): one statement, one round trip instead of two.
            cursor.execute(f"WITH entry AS ({ENTRY_INSERT}) {PAYLOAD_INSERT}", [*entry_rows[0], *payload_rows[0]])
            return
        for table, columns, rows in (
            ("ledger_ledgerentry", ENTRY_COLUMNS, entry_rows),
            ("ledger_ledgerpayload", ("sequence", "body"), payload_rows),
        ):
            if not rows:
                continue
            if connection.vendor == "postgresql" and len(rows) >= COPY_FROM:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                sql = _insert_sql(table, columns)
                # psycopg runs executemany in pipeline mode: three round trips for a single row.
                cursor.execute(sql, rows[0]) if len(rows) == 1 else cursor.executemany(sql, rows)


def _chain(prepared: list[tuple[dict, str]]) -> list[LedgerEntry]:
    """Lock, place the prepared entries after the head, hash them and insert them with their payloads."""
    sequence, previous, head_time = lock_and_read_head()
    # Time never runs backwards along the chain (a clock step back is clamped), so a time range is a
    # sequence range: the browser relies on it and verification checks it.
    now = timezone.now() if head_time is None else max(timezone.now(), head_time)
    stored_now = connection.ops.adapt_datetimefield_value(now)
    entries, entry_rows, payload_rows = [], [], []
    for fields, text in prepared:
        sequence += 1
        row = {**fields, "sequence": sequence, "recorded_at": now, "previous_hash": previous}
        row["payload_digest"] = chain.digest(text)
        row["hash"] = previous = chain.entry_hash(row)
        values = [row[name] for name in ENTRY_COLUMNS]
        entries.append(LedgerEntry.from_db(connection.alias, ENTRY_COLUMNS, values))
        values[ENTRY_COLUMNS.index("recorded_at")] = stored_now
        entry_rows.append(values)
        if text != chain.EMPTY_PAYLOAD_TEXT:
            payload_rows.append((sequence, text))
    _insert(entry_rows, payload_rows)
    return entries


def ledger_append(
    *,
    kind: str,
    direction: str,
    outcome: str = LedgerEntryOutcome.OK,
    actor=None,
    payload: dict | None = None,
    entity: str = "",
    connector: str = "",
    flow: str = "",
    source_system: str = "",
    source_id: str = "",
    document: str = "",
    target_model: str = "",
    target_id: str = "",
    correlation_id: str | None = None,
    reason: str = "",
) -> LedgerEntry:
    """Append one entry (payload redacted) in the caller's transaction and return it.

    actor: a User, a service account name ("worker"), or None / "system" for the system itself.
    correlation_id defaults to the current request/run id. Raises LedgerError on invalid input (nothing
    written). No permission check: callers are services that already checked theirs; the ledger records.
    """
    spec = dict(locals())
    return ledger_append_many([spec])[0]


def ledger_append_many(specs: list[dict]) -> list[LedgerEntry]:
    """Append several entries (each a dict of ledger_append's keyword arguments) with one lock and one INSERT.

    All or nothing; order preserved. The fast path for batches (imports, benchmarks, replays).
    """
    return ledger_append_prepared([ledger_prepare(spec) for spec in specs])


def ledger_append_prepared(prepared: list[tuple[dict, str]]) -> list[LedgerEntry]:
    """Append entries made by ledger_prepare, as ledger_append_many does (in the caller's transaction)."""
    if not prepared:
        return []
    # No savepoint inside the caller's transaction: a failed append leaves that transaction unusable, so
    # nothing the caller wrote with it can commit without its ledger entries.
    with transaction.atomic(savepoint=False):
        return _chain(prepared)


def _object_reference(obj) -> dict:
    return {"model": obj._meta.label_lower, "pk": None if obj.pk is None else str(obj.pk), "repr": str(obj)}


def _entity_code(obj) -> str:
    if obj._meta.label_lower == "entities.legalentity":
        return obj.code
    entity = getattr(obj, "entity", None)
    return getattr(entity, "code", "") if entity is not None else ""


def audit_record(*, actor, action: str, obj, changes: dict, reason: str = "", kind: str | None = None) -> LedgerEntry:
    """Append an `audit` entry for a configuration change of `obj` (a model instance).

    changes: {field: [old, new]} (secret fields are redacted by name; pass no secret values anyway).
    kind defaults to "<model_name>.<action>", e.g. "connector.changed". Runs in the caller's transaction.
    """
    return ledger_append(
        kind=kind or f"{obj._meta.model_name}.{action}",
        direction=LedgerEntryDirection.AUDIT,
        actor=actor,
        payload={"action": action, "object": _object_reference(obj), "changes": changes or {}},
        entity=_entity_code(obj),
        target_model=obj._meta.label_lower,
        target_id="" if obj.pk is None else str(obj.pk),
        reason=reason,
    )


def model_changes(before: dict, after: dict) -> dict:
    """Field-level diff {field: [old, new]} of two field→value mappings (only fields whose value changed)."""
    return {
        name: [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }
