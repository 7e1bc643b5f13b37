"""Anchors: the chain's head (sequence, hash, time), recorded as a ledger entry and exported outside the database.

Someone able to rewrite the ledger table could recompute every hash after the entry they changed; the chain
alone would still verify. The anchors file lives outside the database (settings.LEDGER_ANCHOR_DIR, JSON lines;
point it at write-once storage or copy it off-host) so `verify_ledger --anchors FILE` catches that rewrite.

With settings.LEDGER_ANCHOR_URL set, each anchor is also POSTed there as JSON
({"type": "ledger.anchored", "timestamp", "data": {sequence, hash, anchored_at, anchor_entry}}), signed the
Standard Webhooks way when LEDGER_ANCHOR_SECRET (whsec_…) is set; the webhook-id is stable per anchor so the
receiver can drop duplicates. Anchors are delivered in order; every attempt run ends in a `ledger.anchor_exported`
entry (outcome ok, or failed with the error), failures are retried (LEDGER_ANCHOR_RETRIES times at once, then
from the first undelivered anchor at every later anchoring run) and shown on the ledger page until delivered.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone

from apps.ledger import chain
from apps.ledger.models import LedgerEntry, LedgerEntryDirection, LedgerEntryOutcome
from apps.ledger.services import ledger_append, lock_and_read_head

ANCHOR_KIND = "ledger.anchored"
EXPORTED_KIND = "ledger.anchor_exported"
ANCHORS_FILE = "anchors.jsonl"
EXPORT_BATCH = 50  # anchors delivered per run at most (a long outage catches up over a few runs)
logger = logging.getLogger(__name__)


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
        transaction.on_commit(lambda: _exported({**line, "anchor_entry": entry.sequence}, actor))
    return entry


def _exported(line: dict, actor) -> None:
    _export(line)
    anchor_exports_deliver(actor=actor)


# Export to a URL ----------------------------------------------------------------------------------------------


@dataclass
class Delivery:
    ok: bool
    attempts: int
    status: int | None = None
    error: str = ""


def _signature_headers(msg_id: str, body: bytes) -> dict[str, str]:
    """Standard Webhooks headers (webhook-id/-timestamp/-signature) for body, or just the id without a secret."""
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(int(time.time()))}
    secret = settings.LEDGER_ANCHOR_SECRET
    if secret:
        if not secret.startswith("whsec_"):
            raise ValueError("LEDGER_ANCHOR_SECRET must be a Standard Webhooks secret (whsec_<base64 key>)")
        key = base64.b64decode(secret[len("whsec_") :], validate=True)
        signed = f"{msg_id}.{headers['webhook-timestamp']}.".encode() + body
        headers["webhook-signature"] = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return headers


def _public_url(url: str) -> str:
    """The URL as shown in entries and pages: no credentials, no query (it may carry a token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}"


def _post(url: str, line: dict) -> Delivery:
    """POST one anchor, retrying timeouts, connection errors, 408/429/5xx with exponential backoff."""
    body = json.dumps({"type": ANCHOR_KIND, "timestamp": line["anchored_at"], "data": line}, sort_keys=True).encode()
    attempts, tries = 0, max(1, settings.LEDGER_ANCHOR_RETRIES + 1)
    delivery = Delivery(False, 0)
    while attempts < tries:
        attempts += 1
        try:
            headers = {"content-type": "application/json", **_signature_headers(f"anchor_{line['anchor_entry']}", body)}
            response = httpx.post(url, content=body, headers=headers, timeout=settings.LEDGER_ANCHOR_TIMEOUT)
        except httpx.HTTPError as error:
            delivery = Delivery(False, attempts, None, f"{type(error).__name__}: {error}"[:300])
        except ValueError as error:  # a malformed secret: retrying cannot help
            return Delivery(False, attempts, None, str(error))
        else:
            if response.is_success:
                return Delivery(True, attempts, response.status_code)
            delivery = Delivery(False, attempts, response.status_code, f"HTTP {response.status_code}")
            if response.status_code < 500 and response.status_code not in (408, 429):
                return delivery  # the receiver refuses it: retried at the next run, not hammered now
        if attempts < tries:
            time.sleep(settings.LEDGER_ANCHOR_BACKOFF * 2 ** (attempts - 1))
    return delivery


def _last_delivered() -> int:
    """Sequence of the last anchor entry delivered to the URL (anchors are delivered in order), 0 if none."""
    last = (
        LedgerEntry.objects.filter(kind=EXPORTED_KIND, outcome=LedgerEntryOutcome.OK)
        .order_by("-sequence")
        .values_list("target_id", flat=True)
        .first()
    )
    return int(last) if last else 0


def undelivered_anchors():
    """Anchor entries not yet delivered to LEDGER_ANCHOR_URL, oldest first (empty when no URL is configured)."""
    if not settings.LEDGER_ANCHOR_URL:
        return LedgerEntry.objects.none()
    entries = LedgerEntry.objects.filter(kind=ANCHOR_KIND, sequence__gt=_last_delivered())
    return entries.select_related("payload_row").order_by("sequence")


def anchor_exports_deliver(*, actor=None) -> list[LedgerEntry]:
    """Send every undelivered anchor to LEDGER_ANCHOR_URL, in order, stopping at the first failure.

    Each anchor's outcome is an `ledger.anchor_exported` entry (ok / failed with the error): a failure is never
    dropped, it stays on the ledger page and is retried from there at the next run. Returns the entries written.
    """
    url = settings.LEDGER_ANCHOR_URL
    written = []
    for anchor in list(undelivered_anchors()[:EXPORT_BATCH]):
        try:
            line = {**json.loads(anchor.payload_row.body), "anchor_entry": anchor.sequence}
        except ObjectDoesNotExist:  # payload archived by retention before it could be delivered
            line = {"anchor_entry": anchor.sequence}
            delivery = Delivery(False, 0, None, "the anchor's payload was archived; export it from the archive")
        else:
            delivery = _post(url, line)
        if not delivery.ok:
            logger.warning(
                "ledger anchor #%s not delivered to %s: %s", anchor.sequence, _public_url(url), delivery.error
            )
        with transaction.atomic():
            written.append(
                ledger_append(
                    kind=EXPORTED_KIND,
                    direction=LedgerEntryDirection.OUTBOUND,
                    outcome=LedgerEntryOutcome.OK if delivery.ok else LedgerEntryOutcome.FAILED,
                    actor=actor or "ledger-anchor",
                    target_model="ledger.anchor",
                    target_id=str(anchor.sequence),
                    payload={
                        "url": _public_url(url),
                        "anchor": line,
                        "attempts": delivery.attempts,
                        "status": delivery.status,
                        "error": delivery.error,
                    },
                )
            )
        if not delivery.ok and delivery.attempts:
            break  # in order: the next run starts again from this anchor
    return written


def anchor_export_status() -> dict | None:
    """For the ledger page: None without a URL; else the target, the undelivered count and the last attempt."""
    if not settings.LEDGER_ANCHOR_URL:
        return None
    last = LedgerEntry.objects.filter(kind=EXPORTED_KIND).order_by("-sequence").first()
    return {"url": _public_url(settings.LEDGER_ANCHOR_URL), "undelivered": undelivered_anchors().count(),
            "last": last}  # fmt: skip


# Reading anchors back -----------------------------------------------------------------------------------------


def _anchor(item, where: str) -> dict:
    try:
        anchor = item["data"] if isinstance(item.get("data"), dict) else item  # a stored webhook body, or a line
        return {**anchor, "sequence": int(anchor["sequence"]), "hash": str(anchor["hash"])}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise AnchorFileError(f"{where}: not an anchor (JSON with sequence and hash)") from None


def _fetch_anchors(url: str) -> str:
    try:
        response = httpx.get(url, timeout=settings.LEDGER_ANCHOR_TIMEOUT, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPStatusError as error:  # its text would repeat the URL, query (token) included
        raise AnchorFileError(
            f"cannot fetch anchors from {_public_url(url)}: HTTP {error.response.status_code}"
        ) from None
    except httpx.HTTPError as error:
        raise AnchorFileError(f"cannot fetch anchors from {_public_url(url)}: {type(error).__name__}") from None
    return response.text


def load_anchors(path: str | Path) -> list[dict]:
    """Parse an anchors file, or the anchors at an http(s) URL (a JSON list, or JSON lines, of anchors or of
    the bodies POSTed by the URL export); raises AnchorFileError naming the bad line."""
    source = str(path)
    if source.startswith(("http://", "https://")):
        text, where = _fetch_anchors(source), _public_url(source)
    else:
        try:
            text, where = Path(path).read_text(encoding="utf-8"), source
        except OSError as error:
            raise AnchorFileError(f"cannot read anchors file {path}: {error.strerror}") from None
    if text.lstrip().startswith("["):
        try:
            items = json.loads(text)
        except ValueError:
            raise AnchorFileError(f"{where}: not a JSON list of anchors") from None
        return [_anchor(item, f"{where}, item {number}") for number, item in enumerate(items, start=1)]
    anchors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            raise AnchorFileError(f"{where}, line {number}: not an anchor (JSON with sequence and hash)") from None
        anchors.append(_anchor(item, f"{where}, line {number}"))
    return anchors
