"""Retention: old payloads move to an archive file; entries (and so the chain) stay forever.

Per direction, payloads older than N days (settings.LEDGER_RETENTION_DAYS, None = keep forever) are written to a
JSON-lines archive file (settings.LEDGER_ARCHIVE_DIR), then one summary entry `ledger.payloads_archived` lists
every archived (sequence, payload digest) with the file's name and SHA-256, a tombstone row per payload records
the move, and only then are the payload rows deleted (the database refuses to delete a payload without its
tombstone). No entry is updated: verification recomputes hashes from `payload_digest`, which stays, and accepts a
missing payload only when a summary entry lists it with the same digest. The archive file is checkable on its own:
each line's SHA-256 of `body` is the listed digest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.ledger.models import LedgerArchivedPayload, LedgerEntry, LedgerEntryDirection, LedgerPayload
from apps.ledger.services import ledger_append
from apps.ledger.verification import ARCHIVE_KIND

DEFAULT_RETENTION_DAYS = {"inbound": 400, "outbound": 400, "internal": 90, "audit": None}
BATCH = 5_000


def retention_policy() -> dict[str, int | None]:
    return {**DEFAULT_RETENTION_DAYS, **getattr(settings, "LEDGER_RETENTION_DAYS", {})}


def archive_dir() -> Path:
    return Path(getattr(settings, "LEDGER_ARCHIVE_DIR", Path(settings.DATA_DIR) / "ledger-archive"))


def _due(now: dt.datetime, policy: dict) -> list[int]:
    """Sequences whose payload is past its direction's retention (ledger.* entries keep theirs: they are proof)."""
    due = []
    for direction, days in policy.items():
        if days is None:
            continue
        due += (
            LedgerPayload.objects.filter(
                entry__direction=direction, entry__recorded_at__lt=now - dt.timedelta(days=days)
            )
            .exclude(entry__kind__startswith="ledger.")
            .values_list("entry_id", flat=True)
        )
    return sorted(due)


def _write_archive(rows: list[tuple[int, str, str]], name: str) -> str:
    """Write (sequence, digest, body) lines durably; return the file's SHA-256."""
    directory = archive_dir()
    directory.mkdir(parents=True, exist_ok=True)
    data = "".join(json.dumps({"sequence": s, "payload_digest": d, "body": b}) + "\n" for s, d, b in rows)
    with (directory / name).open("x", encoding="utf-8") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _archive_batch(sequences: list[int], actor) -> LedgerEntry:
    with transaction.atomic():
        rows = list(
            LedgerPayload.objects.filter(entry_id__in=sequences)
            .order_by("entry_id")
            .values_list("entry_id", "entry__payload_digest", "body")
        )
        name = f"payloads-{rows[0][0]}-{rows[-1][0]}-{timezone.now():%Y%m%dT%H%M%S%f}.jsonl"
        file_hash = _write_archive(rows, name)
        summary = ledger_append(
            kind=ARCHIVE_KIND,
            direction=LedgerEntryDirection.INTERNAL,
            actor=actor or "ledger-retention",
            payload={
                "archive_file": name,
                "archive_sha256": file_hash,
                "count": len(rows),
                "entries": [[s, d] for s, d, _ in rows],
            },
        )
        LedgerArchivedPayload.objects._append(
            [
                LedgerArchivedPayload(sequence=s, summary_sequence=summary.sequence, archive_file=name)
                for s, _, _ in rows
            ]
        )
        LedgerPayload.objects.filter(entry_id__in=[s for s, _, _ in rows])._delete_archived()
    return summary


def ledger_payloads_archive(*, now: dt.datetime | None = None, actor=None, batch_size: int = BATCH) -> list:
    """Archive every payload past retention, in batches; returns the summary entries appended. Idempotent."""
    due = _due(now or timezone.now(), retention_policy())
    return [_archive_batch(due[i : i + batch_size], actor) for i in range(0, len(due), batch_size)]


def archived_payload(sequence: int) -> tuple[str | None, str]:
    """(payload text or None, where) of an archived payload, read back from its archive file."""
    tombstone = LedgerArchivedPayload.objects.filter(sequence=sequence).first()
    if tombstone is None:
        return None, ""
    path = archive_dir() / tombstone.archive_file
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                if record["sequence"] == sequence:
                    return record["body"], tombstone.archive_file
    except OSError:
        pass
    return None, tombstone.archive_file
