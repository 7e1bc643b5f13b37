"""Parking a document that cannot move on: held (worklist item), rejected, dead-lettered, or released for retry.

Each function changes the document's state and opens/updates the worklist item in ONE transaction; the
ledger entry comes with the state change (document_transition).
"""

import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.documents.errors import StaleDocument
from apps.documents.models import Document
from apps.documents.services import document_transition
from apps.documents.states import DocumentState
from apps.worklist.services import worklist_item_open, worklist_items_resolve_for, worklist_items_supersede

ACTOR = "worker"
BACKOFF_BASE = 30  # seconds; attempt n waits base × 2^(n-1), ±20 % jitter, at least Retry-After
BACKOFF_MAX = 3600


def backoff_seconds(attempt: int, retry_after: float | None = None, *, rng=random.random) -> float:
    """Exponential backoff with jitter, never sooner than the server's Retry-After."""
    delay = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** max(0, attempt - 1))
    delay *= 0.8 + 0.4 * rng()
    return max(delay, retry_after or 0.0)


def _open(document, *, category, message, detail="", stage, flow, subject_key=None, context=None):
    # One item per document and cause: 30 reports of one unmapped employee are 30 items, each re-driven and
    # closed on its own (a shared problem key, e.g. the mapping's, only names the cause within the document).
    subject = f"document:{document.idempotency_key}" + (f":{subject_key}" if subject_key else "")
    return worklist_item_open(category=category, subject_key=subject[:400],
                       message=message, detail=detail, document=document, connector=document.source_connector,
                       flow=flow, stage=stage, context=context or {}, actor=ACTOR,
                       severity="high" if category == "dead_letter" else "medium")  # fmt: skip


def hold(document: Document, *, stage: str, items: list[dict], flow: str = "") -> None:
    """Held with one worklist item per problem: items = [{category, message, detail?, subject_key?}]."""
    with transaction.atomic():
        reason = "; ".join(i["message"] for i in items)[:2000]
        document_transition(document, DocumentState.HELD, actor=ACTOR, reason=reason, failed_stage=stage, flow=flow)
        opened = [_open(document, stage=stage, flow=flow, **item) for item in items]
        # What the re-drive got past (e.g. the employee an approval mapped) is no longer open on this document.
        worklist_items_supersede(document=document, keep=[i.pk for i in opened], actor=ACTOR, stage=stage)


def reject(document: Document, *, stage: str, reason: str, flow: str = "") -> None:
    document_transition(document, DocumentState.REJECTED, actor=ACTOR, reason=reason, failed_stage=stage, flow=flow)


def release_for_retry(document: Document, *, error, max_attempts: int, flow: str = "") -> str:
    """A transient failure while posting: back to `mapped` with a next attempt time, or dead letter after
    `max_attempts`. Returns the new state."""
    with transaction.atomic():
        if document.attempts >= max_attempts:
            message = f"Posting failed {document.attempts} times for a temporary reason; gave up (dead letter)."
            document_transition(document, DocumentState.DEAD_LETTER, actor=ACTOR, reason=message,
                                failed_stage="post", flow=flow)  # fmt: skip
            _open(document, category="dead_letter", message=message, detail=str(error)[:2000], stage="post",
                  flow=flow)  # fmt: skip
            worklist_items_resolve_for(
                subject_key=f"document:{document.idempotency_key}",
                actor=ACTOR,
                categories=["transport"],
                note="Gave up: see the dead-letter item.",
            )
            return DocumentState.DEAD_LETTER
        delay = backoff_seconds(document.attempts, getattr(error, "retry_after", None))
        document_transition(document, DocumentState.MAPPED, actor=ACTOR, flow=flow,
                            reason=f"Temporary failure, retry in {delay:.0f} s: {str(error)[:300]}",
                            payload={"retry_in_seconds": round(delay, 1)})  # fmt: skip
        Document.objects.filter(pk=document.pk).update(next_attempt_at=timezone.now() + timedelta(seconds=delay))
        # Visible while it waits (retry it now from the worklist once Odoo is back); closes when it posts.
        _open(document, category="transport", stage="post", flow=flow, detail=str(error)[:2000],
              message=f"Posting {document.source_id} to Odoo failed for a temporary reason (attempt "
                      f"{document.attempts} of {max_attempts}); retried automatically in {delay:.0f} s.")  # fmt: skip
        return DocumentState.MAPPED


def release_waiting(document: Document, *, reason: str, flow: str = "") -> None:
    """Back to `mapped` without counting against retries (the connector is paused: documents wait): the attempt
    the claim counted is given back, and the document is due at once, so the retry sweep posts it as soon as the
    connector is resumed."""
    with transaction.atomic():
        document_transition(document, DocumentState.MAPPED, actor=ACTOR, flow=flow, reason=reason)
        Document.objects.filter(pk=document.pk, attempts__gt=0).update(attempts=F("attempts") - 1)
        Document.objects.filter(pk=document.pk).update(next_attempt_at=timezone.now())


def posting_lease() -> timedelta:
    """How long a claim to post may last: a task cannot outlive the queue's timeout (django-q stops it), so a
    document still `posting` after that lost its worker (killed, machine gone) and may be claimed again."""
    return timedelta(seconds=int(settings.Q_CLUSTER.get("timeout") or 300) + 2)


def reclaim_stale_postings(*, now=None, among=None) -> list[int]:
    """Documents left `posting` by a worker that died: back to `mapped`, due now. Returns their ids.
    `among`: a queryset of documents to look at (default: all).

    Safe because posting looks every key up in Odoo before creating: what the dead worker committed in Odoo
    is found and completed, never created twice."""
    now = now or timezone.now()
    stale = Document.objects.all() if among is None else among
    stale = stale.filter(state=DocumentState.POSTING, state_changed_at__lt=now - posting_lease())
    reclaimed = []
    for document in stale.order_by("id")[:1000]:
        try:
            with transaction.atomic():
                document_transition(document, DocumentState.MAPPED, actor=ACTOR,
                                    reason="The worker posting it stopped before recording the outcome; posting "
                                           "again (what Odoo already holds is looked up first).")  # fmt: skip
                Document.objects.filter(pk=document.pk).update(next_attempt_at=now)
        except StaleDocument:
            continue  # its worker was alive after all and just finished
        reclaimed.append(document.pk)
    return reclaimed
