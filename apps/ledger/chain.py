"""Pure functions of the hash chain: canonical encodings and digests (no database, no Django settings).

- A payload is stored as canonical JSON text (sorted keys, no whitespace, UTF-8); its digest is the SHA-256 of
  that text. Verification hashes the stored bytes, it never re-encodes the payload.
- An entry's hash is the SHA-256 of the canonical JSON array ["ledger-v1", <fields in HASHED_FIELDS order>],
  the last field being the previous entry's hash. Canonical JSON here: compact (no whitespace), UTF-8, non-ASCII
  unescaped — exactly `json.dumps(values, ensure_ascii=False, separators=(",", ":"))`, computed with orjson
  (same bytes, ~10x faster); recorded_at as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC, always 6 decimals).
  The hash covers the payload *digest*, not the payload itself, so a payload can be archived out of the
  database (retention) without breaking the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from uuid import UUID

import orjson

CHAIN_VERSION = "ledger-v1"
GENESIS_HASH = "0" * 64
EMPTY_PAYLOAD_TEXT = "{}"
EMPTY_PAYLOAD_DIGEST = hashlib.sha256(EMPTY_PAYLOAD_TEXT.encode()).hexdigest()

# Order matters: it is part of the hash definition. Never reorder; add fields only with a new CHAIN_VERSION.
HASHED_FIELDS = (
    "sequence",
    "recorded_at",
    "direction",
    "kind",
    "outcome",
    "entity",
    "connector",
    "flow",
    "source_system",
    "source_id",
    "document",
    "target_model",
    "target_id",
    "actor_type",
    "actor_id",
    "actor_name",
    "correlation_id",
    "reason",
    "payload_digest",
    "previous_hash",
)


def _json_default(value):
    if isinstance(value, dt.datetime):
        return format_time(value)
    if isinstance(value, (dt.date, dt.time, Decimal, UUID)):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"{type(value).__name__} cannot be stored in a ledger payload")


def payload_text(payload: dict | None) -> str:
    """Canonical JSON text of a payload (already redacted). Decimals, dates and UUIDs become strings."""
    if not payload:
        return EMPTY_PAYLOAD_TEXT
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def format_time(value: dt.datetime) -> str:
    """UTC, microseconds, fixed width: the same string whichever database returned the value.

    Naive values are UTC (SQLite returns them naive to raw cursors).
    """
    if value.tzinfo is not None and value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def entry_hash(fields: dict) -> str:
    """Hash of one entry from a mapping holding every name in HASHED_FIELDS (recorded_at a datetime)."""
    values = [fields[name] for name in HASHED_FIELDS]
    values[1] = format_time(values[1])
    return row_hash(values)


def row_hash(values) -> str:
    """Hash of one entry from its values in HASHED_FIELDS order, recorded_at already a canonical time string.

    The fast path used by verification (the database formats the time).
    """
    return hashlib.sha256(orjson.dumps([CHAIN_VERSION, *values])).hexdigest()
