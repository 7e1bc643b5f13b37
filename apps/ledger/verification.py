"""Recomputing the chain: the proof that no entry was changed, removed, inserted or reordered.

One forward pass over (entry fields, stored hash, payload text), in sequence order, in chunks:
- a sequence number skipped → "entry missing";
- an entry whose hash does not recompute → "content changed" (or "order changed" when the stored content
  hashes correctly under another sequence number, i.e. rows were renumbered or swapped);
- an entry whose previous hash is not its predecessor's hash, or whose time runs backwards → "order changed";
- a payload whose SHA-256 is not the entry's digest → "content changed" (payload);
- a missing payload that no archive summary entry lists with the same digest → "payload missing".
Anchors (exported outside the database) catch a chain rewritten with all hashes recomputed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field

from django.db import connection

from apps.ledger import chain

ARCHIVE_KIND = "ledger.payloads_archived"
CONTENT_CHANGED, ENTRY_MISSING, ORDER_CHANGED = "content changed", "entry missing", "order changed"
PAYLOAD_MISSING, ANCHOR_MISMATCH = "payload missing", "anchor mismatch"
CHUNK = 20_000
# PostgreSQL formats the time itself (in its own process: the second core works while Python hashes).
_PG_TIME = "to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"


def _select(vendor: str) -> str:
    columns = [f"e.{name}" for name in chain.HASHED_FIELDS]
    if vendor == "postgresql":
        columns[1] = _PG_TIME
    return (
        f"SELECT {', '.join(columns)}, e.hash, p.body FROM ledger_ledgerentry e "
        "LEFT JOIN ledger_ledgerpayload p ON p.sequence = e.sequence "
        "WHERE e.sequence >= %s ORDER BY e.sequence LIMIT %s"
    )


def _fetch(cursor, vendor: str, start: int) -> list[tuple]:
    """The next chunk of rows, recorded_at as the canonical time string."""
    cursor.execute(_select(vendor), [start, CHUNK])
    rows = cursor.fetchall()
    if vendor != "postgresql":
        rows = [(row[0], chain.format_time(row[1]), *row[2:]) for row in rows]
    return rows


# Positions in a fetched row: the hashed fields, then the stored hash, then the payload text.
_TIME, _KIND = chain.HASHED_FIELDS.index("recorded_at"), chain.HASHED_FIELDS.index("kind")
_DIGEST, _PREVIOUS = chain.HASHED_FIELDS.index("payload_digest"), chain.HASHED_FIELDS.index("previous_hash")
_HASH, _BODY = len(chain.HASHED_FIELDS), len(chain.HASHED_FIELDS) + 1


@dataclass
class Break:
    sequence: int
    problem: str
    detail: str


@dataclass
class VerificationResult:
    ok: bool
    count: int = 0
    from_sequence: int = 1
    head_sequence: int = 0
    head_hash: str = chain.GENESIS_HASH
    broken_sequence: int | None = None
    problem: str = ""
    detail: str = ""
    anchors_checked: int = 0
    verified_at: str = field(default_factory=lambda: chain.format_time(dt.datetime.now(dt.UTC)))

    def as_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        if self.ok:
            return f"ledger OK: {self.count} entries verified, head #{self.head_sequence} {self.head_hash}"
        return f"ledger BROKEN at #{self.broken_sequence}: {self.problem} — {self.detail}"


def _renumbered_from(row: tuple, window: int = 64) -> int | None:
    """The sequence number under which this row's content hashes to its stored hash, if any nearby."""
    values = list(row[: len(chain.HASHED_FIELDS)])
    for other in range(max(1, row[0] - window), row[0] + window + 1):
        if other != row[0]:
            values[0] = other
            if chain.row_hash(values) == row[_HASH]:
                return other
    return None


def _check_row(row: tuple, expected: int, previous_hash: str, previous_time) -> Break | None:
    sequence = row[0]
    if sequence != expected:
        return Break(expected, ENTRY_MISSING, f"entries #{expected}–#{sequence - 1} are not in the ledger")
    if chain.row_hash(row[: len(chain.HASHED_FIELDS)]) != row[_HASH]:
        moved = _renumbered_from(row)
        if moved is not None:
            return Break(sequence, ORDER_CHANGED, f"the entry at #{sequence} is entry #{moved} moved out of place")
        return Break(sequence, CONTENT_CHANGED, "the stored fields no longer match the entry's hash")
    if row[_PREVIOUS] != previous_hash:
        return Break(sequence, ORDER_CHANGED, f"its previous hash is not the hash of entry #{sequence - 1}")
    if row[_TIME] < previous_time:
        return Break(sequence, ORDER_CHANGED, f"it is dated before entry #{sequence - 1}")
    body = row[_BODY]
    if body is not None and chain.digest(body) != row[_DIGEST]:
        return Break(sequence, CONTENT_CHANGED, "the payload no longer matches the entry's payload digest")
    return None


def _settle_archived(row: tuple, pending: dict[int, str]) -> Break | None:
    """A retention summary entry: the payloads it lists may be absent, if their digests match."""
    listed = json.loads(row[_BODY]).get("entries", []) if row[_BODY] else []
    for sequence, digest in listed:
        if sequence in pending and pending.pop(sequence) != digest:
            return Break(sequence, PAYLOAD_MISSING, f"archive summary #{row[0]} lists another digest for it")
    return None


def _start(from_sequence: int) -> tuple[str | None, str]:
    """(hash, canonical time) of the entry before the starting point; genesis for 1; (None, "") if missing."""
    if from_sequence <= 1:
        return chain.GENESIS_HASH, ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash, recorded_at FROM ledger_ledgerentry WHERE sequence = %s", [from_sequence - 1])
        row = cursor.fetchone()
    return (row[0], chain.format_time(row[1])) if row else (None, "")


def verify_chain(*, from_sequence: int = 1, anchors: list[dict] | None = None) -> VerificationResult:
    """Recompute the chain from `from_sequence` (trusting the entry before it) to the head. Read-only."""
    from_sequence = max(1, from_sequence)
    result = VerificationResult(ok=True, from_sequence=from_sequence)
    previous_hash, previous_time = _start(from_sequence)
    expected, pending, broken = from_sequence, {}, None
    if previous_hash is None:
        broken = Break(from_sequence - 1, ENTRY_MISSING, "the entry before the starting point is not in the ledger")
    with connection.cursor() as cursor:
        while broken is None:
            rows = _fetch(cursor, connection.vendor, expected)
            for row in rows:
                broken = _check_row(row, expected, previous_hash, previous_time)
                if broken is None and row[_BODY] is None and row[_DIGEST] != chain.EMPTY_PAYLOAD_DIGEST:
                    pending[row[0]] = row[_DIGEST]
                if broken is None and row[_KIND] == ARCHIVE_KIND:
                    broken = _settle_archived(row, pending)
                if broken is not None:
                    break
                expected, previous_hash, previous_time = row[0] + 1, row[_HASH], row[_TIME]
                result.count += 1
            if len(rows) < CHUNK:
                break
    result.head_sequence, result.head_hash = expected - 1, previous_hash or ""
    if pending and (broken is None or min(pending) < broken.sequence):
        first = min(pending)
        broken = Break(first, PAYLOAD_MISSING, "its payload is gone and no archive summary accounts for it")
    if broken is None and anchors:
        broken = check_anchors(anchors, result)
    if broken is not None:
        result.ok = False
        result.broken_sequence, result.problem, result.detail = broken.sequence, broken.problem, broken.detail
    return result


def check_anchors(anchors: list[dict], result: VerificationResult) -> Break | None:
    """Each anchor's (sequence, hash) must still be in the chain: a rewritten chain cannot match them."""
    for anchor in sorted(anchors, key=lambda a: a["sequence"]):
        sequence = anchor["sequence"]
        if sequence < result.from_sequence - 1 or sequence == 0:
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT hash FROM ledger_ledgerentry WHERE sequence = %s", [sequence])
            row = cursor.fetchone()
        when = anchor.get("anchored_at", "?")
        if row is None:
            return Break(sequence, ENTRY_MISSING, f"the anchor of {when} covers #{sequence}, which is gone")
        if row[0] != anchor["hash"]:
            return Break(sequence, ANCHOR_MISMATCH, f"its hash differs from the anchor of {when}: chain rewritten")
        result.anchors_checked += 1
    return None
