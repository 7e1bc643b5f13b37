"""Anchors: the chain's head (sequence, hash, time), recorded as a ledger entry and exported outside the database.

Someone able to rewrite the ledger table could recompute every hash after the entry they changed; the chain
alone would still verify. The anchors file lives outside the database (settings.LEDGER_ANCHOR_DIR, JSON lines;
point it at write-once storage or copy it off-host) so `verify_ledger --anchors FILE` catches that rewrite.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.ledger import chain
from apps.ledger.models import LedgerEntry, LedgerEntryDirection
from apps.ledger.services import ledger_append, lock_and_read_head

ANCHOR_KIND = "ledger.anchored"
ANCHORS_FILE = "anchors.jsonl"


class AnchorFileError(ValueError):
    """The anchors file cannot be read as JSON lines of {sequence, hash, anchored_at}."""


def anchors_path() -> Path:
    return Path(settings.LEDGER_ANCHOR_DIR) / ANCHORS_FILE


def _export(line: dict) -> None:
    path = anchors_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def ledger_anchor(*, actor=None) -> LedgerEntry:
    """Record the current head as an anchor entry and, once committed, append it to the anchors file.

    Idempotent enough for a daily task run twice: a second anchor of the same head is harmless.
    """
    with transaction.atomic():
        sequence, head_hash, _ = lock_and_read_head()
        anchored_at = chain.format_time(timezone.now())
        line = {"sequence": sequence, "hash": head_hash, "anchored_at": anchored_at}
        entry = ledger_append(
            kind=ANCHOR_KIND, direction=LedgerEntryDirection.INTERNAL, actor=actor or "ledger-anchor", payload=line
        )
        transaction.on_commit(lambda: _export({**line, "anchor_entry": entry.sequence}))
    return entry


def load_anchors(path: str | Path) -> list[dict]:
    """Parse an anchors file; raises AnchorFileError naming the bad line."""
    anchors = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise AnchorFileError(f"cannot read anchors file {path}: {error.strerror}") from None
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            anchor = json.loads(text)
            anchors.append({**anchor, "sequence": int(anchor["sequence"]), "hash": str(anchor["hash"])})
        except (ValueError, KeyError, TypeError):
            raise AnchorFileError(f"{path}, line {number}: not an anchor (JSON with sequence and hash)") from None
    return anchors
