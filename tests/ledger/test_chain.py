"""The canonical encoding is plain JSON anyone can reproduce: the fast path equals the standard library's."""

import datetime as dt
import hashlib
import json

from apps.ledger import chain


def _fields(**overrides):
    fields = dict.fromkeys(chain.HASHED_FIELDS, "")
    fields.update(sequence=7, recorded_at=dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC), previous_hash="0" * 64)
    fields.update(overrides)
    return fields


def test_entry_hash_is_sha256_of_the_stdlib_compact_json_array():
    fields = _fields(kind="journal_entry.posted", reason='é\u2028/\\"\x00\x1f😀<>&', target_id="4711")
    values = ["ledger-v1", *[fields[name] for name in chain.HASHED_FIELDS]]
    values[2] = "2026-03-01T12:00:00.000000Z"
    expected = hashlib.sha256(json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()
    assert chain.entry_hash(fields) == expected


def test_time_is_fixed_width_utc_whatever_the_zone_or_naivety():
    paris = dt.timezone(dt.timedelta(hours=1))
    aware = dt.datetime(2026, 3, 1, 13, 0, tzinfo=paris)
    naive_utc = dt.datetime(2026, 3, 1, 12, 0)
    assert chain.format_time(aware) == chain.format_time(naive_utc) == "2026-03-01T12:00:00.000000Z"


def test_any_field_change_changes_the_hash():
    base = chain.entry_hash(_fields())
    for name in chain.HASHED_FIELDS:
        if name == "recorded_at":
            changed = _fields(recorded_at=dt.datetime(2026, 3, 1, 12, 0, 0, 1, tzinfo=dt.UTC))
        elif name == "sequence":
            changed = _fields(sequence=8)
        else:
            changed = _fields(**{name: "x"})
        assert chain.entry_hash(changed) != base, name
