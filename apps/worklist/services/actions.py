"""What a person does with an item: assign, claim, comment, tag, snooze, resolve, dismiss, mark duplicate.

Every function: keyword-only, takes the `actor`, checks `worklist.work_worklistitem` and the item's scope
first (AccessDenied → 403), locks the row, validates (WorklistError with field messages, nothing written),
writes the change and its ledger audit entry in one transaction, and returns the fresh item.
Retry, correct-and-retry and replay live in apps.worklist.services.redriving.
"""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from apps.access.permissions import can
from apps.documents.services import document_transition
from apps.worklist import selectors
from apps.worklist.errors import WorklistError
from apps.worklist.models import WorklistComment, WorklistItem, WorklistResolution, WorklistStatus
from apps.worklist.services._audit import audit
from apps.worklist.services._common import WORK_PERM, clean_note, lock_for_work, require_active
from apps.worklist.services.opening import _close

SNOOZE_MAX_DAYS = 90


@transaction.atomic
def worklist_item_assign(*, item, assignee, actor, note: str = "") -> WorklistItem:
    """Give the item to `assignee` (None: back to the shared queue). The assignee must be able to work it."""
    item = lock_for_work(item, actor)
    require_active(item, "assigned")
    note = clean_note(note, required=False)
    if assignee is not None and not (can(assignee, WORK_PERM) and selectors.worklist_item_in_scope(assignee, item)):
        raise WorklistError(
            f"{assignee.get_username()} cannot work on this item (no role or not in this entity).",
            fields={"assignee": "Choose someone who works on this entity."},
        )
    before = item.assignee.get_username() if item.assignee_id else None
    item.assignee = assignee
    if item.status != WorklistStatus.SNOOZED:
        item.status = WorklistStatus.ASSIGNED if assignee is not None else WorklistStatus.OPEN
    item.save(update_fields=["assignee", "status", "updated_at"])
    after = assignee.get_username() if assignee is not None else None
    audit(actor=actor, action="assign", item=item, changes={"assignee": [before, after]}, reason=note)
    return item


def worklist_item_claim(*, item, actor) -> WorklistItem:
    """Take the item yourself."""
    return worklist_item_assign(item=item, assignee=actor, actor=actor)


@transaction.atomic
def worklist_item_comment(*, item, body: str, actor) -> WorklistComment:
    """Add a comment (any status: notes on closed items are part of the record)."""
    item = lock_for_work(item, actor)
    body = clean_note(body, required=True, what="comment")
    comment = WorklistComment.objects.create(item=item, author=actor, body=body)
    audit(actor=actor, action="comment", item=item, changes={"comment": comment.pk}, reason=body)
    return comment


@transaction.atomic
def worklist_item_tag(*, item, tags: list[str] | str, actor) -> WorklistItem:
    """Replace the item's tags (lower-case words; commas or spaces separate them)."""
    item = lock_for_work(item, actor)
    if isinstance(tags, str):
        tags = tags.replace(",", " ").split()
    clean = sorted({tag.strip().lower() for tag in tags if tag.strip()})
    if any(len(tag) > 40 or not tag.replace("-", "").replace("_", "").isalnum() for tag in clean):
        raise WorklistError(
            "Tags are words of letters, digits, '-' or '_' (at most 40 characters).",
            fields={"tags": "Use letters, digits, '-' or '_'."},
        )
    stored = f",{','.join(clean)}," if clean else ""
    if len(stored) > 500:
        raise WorklistError("Too many tags.", fields={"tags": "At most 500 characters in all."})
    before = item.tag_list
    item.tags = stored
    item.save(update_fields=["tags", "updated_at"])
    audit(actor=actor, action="tag", item=item, changes={"tags": [before, clean]})
    return item


@transaction.atomic
def worklist_item_snooze(*, item, until, actor, note: str = "") -> WorklistItem:
    """Hide the item from the active list until `until` (a date: start of that day; at most 90 days)."""
    item = lock_for_work(item, actor)
    require_active(item, "snoozed")
    note = clean_note(note, required=False)
    if not isinstance(until, datetime):
        until = timezone.make_aware(datetime.combine(until, time.min))
    now = timezone.now()
    if until <= now:
        raise WorklistError("Snooze until a later date.", fields={"until": "Choose a date in the future."})
    if until > now + timedelta(days=SNOOZE_MAX_DAYS):
        raise WorklistError(f"Snooze for at most {SNOOZE_MAX_DAYS} days.", fields={"until": "Too far ahead."})
    item.status, item.snoozed_until = WorklistStatus.SNOOZED, until
    item.save(update_fields=["status", "snoozed_until", "updated_at"])
    audit(actor=actor, action="snooze", item=item, changes={"snoozed_until": until.isoformat()}, reason=note)
    return item


@transaction.atomic
def worklist_item_resolve(*, item, actor, note: str) -> WorklistItem:
    """Close the item as fixed by hand (e.g. posted manually in Odoo). The note is mandatory."""
    item = lock_for_work(item, actor)
    require_active(item, "resolved")
    _close(item, actor=actor, resolution=WorklistResolution.RESOLVED, note=clean_note(note, required=True))
    return item


@transaction.atomic
def worklist_item_dismiss(*, item, actor, note: str) -> WorklistItem:
    """Close the item without fixing it (e.g. the report was withdrawn). The reason is mandatory."""
    item = lock_for_work(item, actor)
    require_active(item, "dismissed")
    note = clean_note(note, required=True, what="reason for dismissing")
    _close(item, actor=actor, resolution=WorklistResolution.DISMISSED, note=note, action="dismiss")
    return item


@transaction.atomic
def worklist_item_mark_duplicate(*, item, actor, note: str, original_item=None, original_document=None):
    """Dismiss the item as a duplicate of another item or document (at least one), linked on the item."""
    item = lock_for_work(item, actor)
    require_active(item, "marked as duplicate")
    note = clean_note(note, required=True, what="reason")
    if original_item is None and original_document is None:
        raise WorklistError("Say which item or document this duplicates.", fields={"original": "Required."})
    if original_item is not None:
        if original_item.pk == item.pk or not selectors.worklist_item_in_scope(actor, original_item):
            raise WorklistError("Choose another item you can see.", fields={"original": "Not a valid original."})
        original_document = original_document or original_item.document
    if original_document is not None and item.document_id == original_document.pk:
        raise WorklistError("A document cannot duplicate itself.", fields={"original": "Not a valid original."})
    if original_document is not None and original_document.entity_id != item.entity_id:
        raise WorklistError("The original belongs to another entity.", fields={"original": "Not a valid original."})
    _close(
        item,
        actor=actor,
        resolution=WorklistResolution.DUPLICATE,
        note=note,
        action="mark_duplicate",
        duplicate_of=original_item,
        duplicate_of_document=original_document,
    )
    _reject_duplicate_document(item, original_document, actor=actor, note=note)
    return item


def _reject_duplicate_document(item, original_document, *, actor, note: str) -> None:
    """A held duplicate never posts: the document ends rejected with the reason (nothing silently parked), and
    its other open items close with it. Documents already past posting are left as they are."""
    document = item.document
    if document is None or document.state not in ("held", "dead_letter"):
        return
    original = original_document.idempotency_key if original_document else "another document"
    reason = f"Duplicate of {original}: {note}"[:2000]
    document_transition(document, "rejected", actor=actor, reason=reason, failed_stage=document.failed_stage)
    others = WorklistItem.objects.select_for_update(of=("self",)).filter(
        document=document, status__in=("open", "assigned", "snoozed")
    )
    for other in others.select_related("entity", "document"):
        _close(other, actor=actor, resolution=WorklistResolution.DISMISSED, note=f"The document was rejected: {reason}")
