"""Verification and anchoring as recorded operations (what the command, the daily task and the UI call)."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from apps.ledger.anchoring import anchor_exports_deliver, anchors_path, ledger_anchor, load_anchors
from apps.ledger.models import LedgerEntryDirection, LedgerEntryOutcome
from apps.ledger.selectors import VERIFIED_KIND
from apps.ledger.services import ledger_append
from apps.ledger.verification import VerificationResult, verify_chain


def ledger_verify(
    *, from_sequence: int = 1, anchors_file: str | Path | None = None, record: bool = True, actor=None
) -> VerificationResult:
    """Verify the chain (and the anchors, if a file is given); record the result as a `ledger.verified` entry.

    Raises AnchorFileError when the anchors file is unreadable. The recorded entry is what the UI shows as the
    verification status; it is appended after the verified head, so it is covered by the next verification.
    """
    anchors = load_anchors(anchors_file) if anchors_file else None
    result = verify_chain(from_sequence=from_sequence, anchors=anchors)
    if record:
        with transaction.atomic():
            ledger_append(
                kind=VERIFIED_KIND,
                direction=LedgerEntryDirection.INTERNAL,
                outcome=LedgerEntryOutcome.OK if result.ok else LedgerEntryOutcome.FAILED,
                actor=actor or "ledger-verifier",
                payload=result.as_dict(),
            )
    return result


def ledger_daily(*, actor=None) -> VerificationResult:
    """Verify the whole chain against the exported anchors, then anchor the head — only if it verified.

    Anchoring a broken chain would bless the tampering, so a failed verification leaves the anchors alone.
    """
    existing = anchors_path()
    result = ledger_verify(anchors_file=existing if existing.exists() else None, actor=actor)
    if result.ok:
        ledger_anchor(actor=actor)  # delivers it, and any earlier undelivered anchor, to the URL once committed
    else:
        anchor_exports_deliver(actor=actor)  # earlier anchors still go out: they predate the break
    return result
