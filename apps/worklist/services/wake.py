"""Snoozed items wake up when their date comes: back to assigned (with an assignee) or open."""

from django.db import transaction
from django.utils import timezone

from apps.worklist.models import WorklistItem, WorklistStatus
from apps.worklist.services._audit import audit


def worklist_items_wake(*, limit: int = 5_000) -> int:
    """Return snoozed items whose time has come to the active list, each with an audit entry. Idempotent."""
    woken = 0
    with transaction.atomic():
        items = (
            WorklistItem.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=WorklistStatus.SNOOZED, snoozed_until__lte=timezone.now())
            .select_related("entity", "document")[:limit]
        )
        for item in items:
            item.status = WorklistStatus.ASSIGNED if item.assignee_id else WorklistStatus.OPEN
            item.snoozed_until = None
            item.save(update_fields=["status", "snoozed_until", "updated_at"])
            audit(actor=None, action="wake", item=item, changes={"status": item.status})
            woken += 1
    return woken
