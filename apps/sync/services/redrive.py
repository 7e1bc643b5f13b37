"""Re-drive a held or dead-lettered document from the stage that failed (registered with the worklist)."""

from django.db import transaction
from django.utils import timezone

from apps.documents.models import Document
from apps.documents.services import document_transition
from apps.documents.states import STAGE_START
from apps.documents.states import DocumentState as S
from apps.worklist.redrive import RedriveResult

RESTARTABLE = (S.HELD, S.DEAD_LETTER)


def document_redrive(item, *, actor, dry_run: bool = False) -> RedriveResult:
    """Send the item's document back to the start of its failed stage and process it after commit.

    A posted document is never re-posted: the answer says so and nothing changes. The posting itself looks
    the key up in Odoo first, so even a re-drive of a document Odoo already holds creates nothing new.
    """
    document = item.document
    if document is None:
        return RedriveResult(ok=False, message="This item has no document to re-drive.")
    document.refresh_from_db()
    if document.state == S.MAPPED and document.next_attempt_at is not None:
        return _post_now(document, dry_run=dry_run)
    if document.state not in RESTARTABLE:
        return RedriveResult(ok=False, message=f"The document is {document.get_state_display().lower()}; "
                             "there is nothing to re-drive.")  # fmt: skip
    stage = document.failed_stage or "validate"
    start = STAGE_START.get(stage, S.RECEIVED)
    message = f"Queued again from the {stage} stage."
    if dry_run:
        return RedriveResult(ok=True, message=f"Would be queued again from the {stage} stage.",
                             diff=[{"field": "state", "before": document.state, "after": start}])  # fmt: skip
    with transaction.atomic():
        document_transition(document, start, actor=actor, reason=f"Re-driven from the worklist: {message}")
        transaction.on_commit(lambda: _enqueue(document.pk))
    return RedriveResult(ok=True, message=message)


def _enqueue(document_id: int) -> None:
    from django_q.tasks import async_task

    async_task("apps.sync.tasks.document_process_task", document_id)


def _post_now(document, *, dry_run: bool) -> RedriveResult:
    """A document waiting out its backoff after a temporary failure (a `transport` item): due now. Its task posts
    it at once on webhook flows; the retry sweep (every minute) posts it on the others."""
    if dry_run:
        return RedriveResult(ok=True, message="Would be posted again now.")
    Document.objects.filter(pk=document.pk, state=S.MAPPED).update(next_attempt_at=timezone.now())
    transaction.on_commit(lambda: _enqueue(document.pk))
    return RedriveResult(ok=True, message="Due for posting again now.")
