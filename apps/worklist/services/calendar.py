"""The close calendar: finance controllers set period ends and close deadlines of their entities."""

from datetime import date

from django.db import transaction

from apps.access.permissions import require
from apps.ledger.services import audit_record
from apps.worklist.errors import WorklistError
from apps.worklist.models import ACTIVE_STATUSES, ClosePeriod, WorklistItem
from apps.worklist.selectors import worklist_counts_changed

PERM = "worklist.change_closeperiod"


@transaction.atomic
def close_period_save(*, entity, period_end: date, close_deadline: date, actor) -> ClosePeriod:
    """Create or move the close deadline of `entity`'s period ending `period_end`, then re-date the active
    items of that entity opened in the window the deadline now covers. Requires the capability and the
    entity in the actor's scope (AccessDenied); WorklistError when the deadline is before the period end."""
    require(actor, PERM, message="Your role cannot change the close calendar.")
    require(actor, "entities.access_entity_data", entity, message="You do not work on this entity.")
    if close_deadline < period_end:
        raise WorklistError(
            "The close deadline cannot be before the period end.", fields={"close_deadline": "Too early."}
        )
    period, created = ClosePeriod.objects.select_for_update().get_or_create(
        entity=entity, period_end=period_end, defaults={"close_deadline": close_deadline}
    )
    before = None if created else period.close_deadline.isoformat()
    period.close_deadline = close_deadline
    period.save()
    audit_record(
        actor=actor,
        action="saved",
        obj=period,
        kind="worklist_close_period.saved",
        changes={"period_end": period_end.isoformat(), "close_deadline": [before, close_deadline.isoformat()]},
    )
    _redate_items(entity)
    transaction.on_commit(worklist_counts_changed)
    return period


def _redate_items(entity) -> int:
    """Active items take the first deadline on or after the day they opened (one UPDATE per period)."""
    previous = None
    updated = 0
    for deadline in entity.close_periods.order_by("close_deadline").values_list("close_deadline", flat=True):
        items = WorklistItem.objects.filter(entity=entity, status__in=ACTIVE_STATUSES, created_at__date__lte=deadline)
        if previous is not None:
            items = items.filter(created_at__date__gt=previous)
        updated += items.update(due_date=deadline)
        previous = deadline
    return updated
