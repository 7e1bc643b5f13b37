"""Recomputing the chain: the proof that no entry was changed, removed, inserted or reordered.

One forward pass over (entry fields, stored hash, payload text), in sequence order, in chunks:
- a sequence number skipped → "entry missing";
- an entry whose hash does not recompute → "content changed" (or "order changed" when the stored content
  hashes correctly under another sequence number, i.e. rows were renumbered or swapped);
- an entry whose previous hash is not its predecessor's hash, or whose time runs backwards → "order changed";
- a payload whose SHA-256 is not the entry's digest → "content changed" (payload);
- a missing payload that no archive summary entry lists with the same digest → "payload missing".
Anchors (exported outside the database) catch a chain rewritten with all hashes recomputed.

Speed (bench/ledger_perf.py): rows are read "packed" — the hashed fields joined by \\x1f into one text value,
split in C — and hashed in Python (never trusting a hash the database computed for an entry). A row the packed
loop cannot settle (anything wrong, or a field holding \\x1f) sends the rest of its chunk through the
column-by-column loop, which is the one that diagnoses breaks, so the first break and its reason do not depend
on the fast path. On PostgreSQL long chains are cut into one sequence range per core, verified by forked
processes from the stored hash before each range; the merge checks the ranges continue each other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import orjson
from django.db import connection, connections

from apps.ledger import chain

ARCHIVE_KIND = "ledger.payloads_archived"
CONTENT_CHANGED, ENTRY_MISSING, ORDER_CHANGED = "content changed", "entry missing", "order changed"
PAYLOAD_MISSING, ANCHOR_MISMATCH = "payload missing", "anchor mismatch"
CHUNK = 20_000
PARALLEL_FROM = 200_000  # entries from which verification forks one process per core (PostgreSQL)
WORKERS = min(os.cpu_count() or 1, 4)
# PostgreSQL formats the time itself (in its own process: the second core works while Python hashes).
_PG_TIME = "to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
# A fetched row is the hashed array itself — [CHAIN_VERSION, *HASHED_FIELDS] — then the stored hash and payload.
_SEQ, _TIME, _KIND = 1, 1 + chain.HASHED_FIELDS.index("recorded_at"), 1 + chain.HASHED_FIELDS.index("kind")
_DIGEST, _PREVIOUS = 1 + chain.HASHED_FIELDS.index("payload_digest"), 1 + chain.HASHED_FIELDS.index("previous_hash")
_HASHED = 1 + len(chain.HASHED_FIELDS)
_HASH, _BODY_DIGEST, _BODY = _HASHED, _HASHED + 1, _HASHED + 2
_SEP = "\x1f"  # ASCII unit separator, between the fields of a packed row


def _select(vendor: str) -> str:
    """Entry columns, stored hash, SHA-256 of the payload text (None without a payload row), and the payload
    text itself only where verification reads it (archive summaries). On PostgreSQL the payload digests are
    computed by the server's sha256() on the stored bytes — beside Python, on the other core — and the time is
    formatted there; entry hashes are always recomputed here."""
    columns = ["%s", *(f"e.{name}" for name in chain.HASHED_FIELDS), "e.hash"]
    if vendor == "postgresql":
        columns[_TIME] = _PG_TIME
        columns += [
            "encode(sha256(convert_to(p.body, 'UTF8')), 'hex')",
            f"CASE WHEN e.kind = '{ARCHIVE_KIND}' THEN p.body END",
        ]
    else:
        columns += ["NULL", "p.body"]
    return (
        f"SELECT {', '.join(columns)} FROM ledger_ledgerentry e "
        "LEFT JOIN ledger_ledgerpayload p ON p.sequence = e.sequence AND p.sequence >= %s AND p.sequence < %s "
        "WHERE e.sequence >= %s AND e.sequence < %s ORDER BY e.sequence"
    )


def _fetch(cursor, vendor: str, low: int, high: int) -> list[tuple]:
    """Rows with low <= sequence < high, recorded_at as the canonical time string."""
    cursor.execute(_select(vendor), [chain.CHAIN_VERSION, low, high, low, high])
    rows = cursor.fetchall()
    if vendor != "postgresql":
        rows = [
            (*row[:_TIME], chain.format_time(row[_TIME]), *row[_TIME + 1 : _BODY_DIGEST],
             None if row[_BODY] is None else chain.digest(row[_BODY]), row[_BODY])
            for row in rows
        ]  # fmt: skip
    return rows


def _packed_select(vendor: str) -> str:
    """The fast form of a row: [CHAIN_VERSION, *HASHED_FIELDS, hash] joined by _SEP into one text value (one
    string for the driver to decode instead of 22; split in C here), then the payload text (digested here)."""
    columns = [f"'{chain.CHAIN_VERSION}'", *(f"e.{name}" for name in chain.HASHED_FIELDS), "e.hash"]
    if vendor == "postgresql":
        columns[_TIME] = _PG_TIME
        packed = f"concat_ws(E'\\x1f', {', '.join(columns)})"
    else:
        packed = " || char(31) || ".join(columns)  # a NULL field makes it NULL: re-read column by column
    return (
        f"SELECT {packed}, p.body FROM ledger_ledgerentry e "
        "LEFT JOIN ledger_ledgerpayload p ON p.sequence = e.sequence AND p.sequence >= %s AND p.sequence < %s "
        "WHERE e.sequence >= %s AND e.sequence < %s ORDER BY e.sequence"
    )


def _fetch_packed(cursor, vendor: str, low: int, high: int) -> list[tuple]:
    cursor.execute(_packed_select(vendor), [low, high, low, high])
    return cursor.fetchall()


def _sqlite_time(text: str) -> str:
    """Django's SQLite text of a UTC time ('YYYY-MM-DD HH:MM:SS[.ffffff]') as the canonical time string."""
    if len(text) == 26 and text[10] == " ":
        return f"{text[:10]}T{text[11:]}Z"
    if len(text) == 19 and text[10] == " ":
        return f"{text[:10]}T{text[11:]}.000000Z"
    return chain.format_time(dt.datetime.fromisoformat(text))  # other spellings: parse (ValueError if none)


def _chunks(start: int, stop: int):
    """(end of range, packed rows) chunks covering [start, stop] in order (see _packed_select). On PostgreSQL the
    next chunk is fetched by a helper thread while this one is hashed (the driver releases the GIL while it
    waits for the server)."""
    ranges = [(low, min(low + CHUNK, stop + 1)) for low in range(start, stop + 1, CHUNK)]
    vendor = connection.vendor
    if vendor != "postgresql":
        with connection.cursor() as cursor:
            for low, high in ranges:
                yield high, _fetch_packed(cursor, vendor, low, high)
        return
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, ThreadPoolExecutor(1) as pool:
        future = pool.submit(_fetch_packed, cursor, vendor, *ranges[0]) if ranges else None
        for index, (_, high) in enumerate(ranges):
            rows = future.result()
            if index + 1 < len(ranges):
                future = pool.submit(_fetch_packed, cursor, vendor, *ranges[index + 1])
            yield high, rows


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
    values = list(row[:_HASHED])
    for other in range(max(1, row[_SEQ] - window), row[_SEQ] + window + 1):
        values[_SEQ] = other
        if other != row[_SEQ] and hashlib.sha256(orjson.dumps(values)).hexdigest() == row[_HASH]:
            return other
    return None


def _diagnose(row: tuple, expected: int, previous_hash: str, previous_time: str) -> Break:
    """Why this row does not continue the chain (called only once something is wrong)."""
    sequence = row[_SEQ]
    if sequence != expected:
        return Break(expected, ENTRY_MISSING, f"entries #{expected}–#{sequence - 1} are not in the ledger")
    if hashlib.sha256(orjson.dumps(row[:_HASHED])).hexdigest() != row[_HASH]:
        moved = _renumbered_from(row)
        if moved is not None:
            return Break(sequence, ORDER_CHANGED, f"the entry at #{sequence} is entry #{moved} moved out of place")
        return Break(sequence, CONTENT_CHANGED, "the stored fields no longer match the entry's hash")
    if row[_PREVIOUS] != previous_hash:
        return Break(sequence, ORDER_CHANGED, f"its previous hash is not the hash of entry #{sequence - 1}")
    return Break(sequence, ORDER_CHANGED, f"it is dated before entry #{sequence - 1}")


def _settle_archived(row: tuple, pending: dict[int, str], earlier: dict[int, tuple], start: int) -> Break | None:
    """A retention summary entry: the payloads it lists may be absent, if their digests match.

    Listings of entries before this segment's `start` are kept in `earlier` for the merge of segments."""
    listed = json.loads(row[_BODY]).get("entries", []) if row[_BODY] else []
    for sequence, digest in listed:
        if sequence in pending and pending.pop(sequence) != digest:
            return Break(sequence, PAYLOAD_MISSING, f"archive summary #{row[_SEQ]} lists another digest for it")
        if sequence < start:
            earlier[sequence] = (digest, row[_SEQ])
    return None


def _start(from_sequence: int) -> tuple[str | None, str, int]:
    """(hash, canonical time) of the entry before the starting point (genesis for 1; None if missing), and the
    head sequence at the start of the run (entries appended while verifying wait for the next run)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(sequence) FROM ledger_ledgerentry")
        head = cursor.fetchone()[0] or 0
        if from_sequence <= 1:
            return chain.GENESIS_HASH, "", head
        cursor.execute("SELECT hash, recorded_at FROM ledger_ledgerentry WHERE sequence = %s", [from_sequence - 1])
        row = cursor.fetchone()
    return (row[0], chain.format_time(row[1]), head) if row else (None, "", head)


@dataclass
class Segment:
    """What one pass over [start, stop] found: where it got to, and what the next segments must settle."""

    start: int
    expected: int  # the first sequence not verified
    last_hash: str
    pending: dict  # sequence → digest of payloads missing here, to be listed by a later archive summary
    earlier: dict  # sequence → (digest, summary) listed here for entries before `start`
    broken: Break | None = None


@dataclass
class _Position:
    """Where a walk has got to: the next sequence expected, and the hash and time of the one before it."""

    expected: int
    previous_hash: str
    previous_time: str


def _walk_packed(rows: list[tuple], at: _Position, segment: Segment, time_text=None) -> bool:
    """The hot loop over packed rows. Stops at the first row it cannot settle on its own (anything wrong, or a
    field that holds _SEP) and returns False: the caller re-reads the rest of the chunk column by column, so
    every break is diagnosed by the one loop below (_walk_rows). True when the whole chunk verified."""
    sha256, dumps, empty, sep, parts_count = hashlib.sha256, orjson.dumps, chain.EMPTY_PAYLOAD_DIGEST, _SEP, _HASH + 1
    expected, previous_hash, previous_time, pending = at.expected, at.previous_hash, at.previous_time, segment.pending
    settled = True
    for packed, body in rows:
        parts = packed.split(sep) if packed is not None else ()
        if len(parts) != parts_count or not parts[_SEQ].isdigit():
            settled = False
            break
        parts[_SEQ] = int(parts[_SEQ])
        if time_text is not None:
            try:
                parts[_TIME] = time_text(parts[_TIME])
            except ValueError:
                settled = False
                break
        stored = parts.pop()  # parts is now the hashed array itself
        if (
            parts[_SEQ] != expected
            or parts[_PREVIOUS] != previous_hash
            or parts[_TIME] < previous_time
            or sha256(dumps(parts)).hexdigest() != stored
        ):
            settled = False
            break
        if body is None:
            if parts[_DIGEST] != empty:
                pending[expected] = parts[_DIGEST]
        elif sha256(body.encode()).hexdigest() != parts[_DIGEST]:
            settled = False
            break
        if parts[_KIND] == ARCHIVE_KIND:
            segment.broken = _settle_archived((*parts, stored, None, body), pending, segment.earlier, segment.start)
            if segment.broken:
                break
        expected, previous_hash, previous_time = expected + 1, stored, parts[_TIME]
    at.expected, at.previous_hash, at.previous_time = expected, previous_hash, previous_time
    return settled


def _walk_rows(rows: list[tuple], at: _Position, segment: Segment) -> None:
    """The loop over column rows: the rows the packed loop could not settle, and the diagnosis of breaks."""
    sha256, dumps, empty = hashlib.sha256, orjson.dumps, chain.EMPTY_PAYLOAD_DIGEST
    expected, previous_hash, previous_time, pending = at.expected, at.previous_hash, at.previous_time, segment.pending
    for row in rows:
        if (
            row[_SEQ] != expected
            or row[_PREVIOUS] != previous_hash
            or row[_TIME] < previous_time
            or sha256(dumps(row[:_HASHED])).hexdigest() != row[_HASH]
        ):
            segment.broken = _diagnose(row, expected, previous_hash, previous_time)
            break
        body_digest = row[_BODY_DIGEST]
        if body_digest is None:
            if row[_DIGEST] != empty:
                pending[expected] = row[_DIGEST]
        elif body_digest != row[_DIGEST]:
            segment.broken = Break(expected, CONTENT_CHANGED, "the payload no longer matches its digest")
            break
        if row[_KIND] == ARCHIVE_KIND:
            segment.broken = _settle_archived(row, pending, segment.earlier, segment.start)
            if segment.broken:
                break
        expected, previous_hash, previous_time = expected + 1, row[_HASH], row[_TIME]
    at.expected, at.previous_hash, at.previous_time = expected, previous_hash, previous_time


def _walk(start: int, stop: int, previous_hash: str, previous_time: str) -> Segment:
    """Verify [start, stop] chunk by chunk, continuing from the given previous hash and time."""
    segment = Segment(start, start, previous_hash, {}, {})
    at = _Position(start, previous_hash, previous_time)
    vendor = connection.vendor
    time_text = None if vendor == "postgresql" else _sqlite_time
    for high, rows in _chunks(start, stop):
        if _walk_packed(rows, at, segment, time_text) or segment.broken:
            if segment.broken:
                break
            continue
        with connection.cursor() as cursor:  # the rest of this chunk, column by column
            _walk_rows(_fetch(cursor, vendor, at.expected, high), at, segment)
        if segment.broken:
            break
    segment.expected, segment.last_hash = at.expected, at.previous_hash
    if segment.broken is None and at.expected <= stop:
        segment.broken = Break(at.expected, ENTRY_MISSING, f"entries #{at.expected}–#{stop} are not in the ledger")
    return segment


def _segment(start: int, stop: int) -> Segment:
    """Verify [start, stop] on its own, trusting the stored hash and time of entry start - 1."""
    previous_hash, previous_time, _ = _start(start)
    if previous_hash is None:
        broken = Break(start - 1, ENTRY_MISSING, "the entry before the starting point is not in the ledger")
        return Segment(start, start, "", {}, {}, broken)
    return _walk(start, stop, previous_hash, previous_time)


def _segment_in_child(start: int, stop: int) -> Segment:
    try:
        return _segment(start, stop)
    finally:
        connections.close_all()


def _forget_inherited_connections() -> None:
    """In a forked verifier: never touch the parent's sockets; open fresh connections."""
    for alias in connections:
        connections[alias].connection = None


def _segments(start: int, stop: int) -> list[Segment]:
    """One segment, or on PostgreSQL with a long chain one per core: this process verifies the first while
    forked processes verify the others (each from the stored hash before its start, checked by its neighbour)."""
    workers = WORKERS
    if connection.vendor != "postgresql" or connection.in_atomic_block or stop - start < PARALLEL_FROM or workers < 2:
        return [_segment(start, stop)]
    size = (stop - start + workers) // workers
    bounds = [(low, min(low + size - 1, stop)) for low in range(start, stop + 1, size)]
    connection.close()  # nothing to inherit: each process opens its own connection
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(len(bounds) - 1, context, initializer=_forget_inherited_connections) as pool:
        futures = [pool.submit(_segment_in_child, low, high) for low, high in bounds[1:]]
        first = _segment(*bounds[0])
        return [first, *(future.result() for future in futures)]


def _merge(segments: list[Segment]) -> tuple[Segment, Break | None]:
    """The first break across segments, settling each segment's missing payloads against later summaries."""
    pending: dict[int, str] = {}
    for segment in segments:
        for sequence, (digest, summary) in segment.earlier.items():
            if sequence in pending and pending.pop(sequence) != digest:
                return segment, Break(sequence, PAYLOAD_MISSING, f"archive summary #{summary} lists another digest")
        pending.update(segment.pending)
        broken = segment.broken
        if broken is not None or segment is segments[-1]:
            if pending and (broken is None or min(pending) < broken.sequence):
                detail = "its payload is gone and no archive summary accounts for it"
                broken = Break(min(pending), PAYLOAD_MISSING, detail)
            return segment, broken
    raise AssertionError("no segments")  # pragma: no cover


def verify_chain(*, from_sequence: int = 1, anchors: list[dict] | None = None) -> VerificationResult:
    """Recompute the chain from `from_sequence` (trusting the entry before it) to the head. Read-only."""
    from_sequence = max(1, from_sequence)
    result = VerificationResult(ok=True, from_sequence=from_sequence)
    head = _start(from_sequence)[2]
    last, broken = _merge(_segments(from_sequence, max(head, from_sequence - 1)))
    result.count, result.head_sequence, result.head_hash = (
        last.expected - from_sequence,
        last.expected - 1,
        last.last_hash,
    )
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
