"""Ageing against the close calendar: due dates, days left, overdue and at-risk flags.

An item is due by its entity's next close deadline on or after the day it opens; without a calendar (or an
entity) it is due `WORKLIST_DEFAULT_DUE_DAYS` days after it opens. "At risk" means due within
`WORKLIST_AT_RISK_DAYS` days.
"""

from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from apps.worklist.models import ClosePeriod


def default_due_days() -> int:
    return getattr(settings, "WORKLIST_DEFAULT_DUE_DAYS", 5)


def at_risk_days() -> int:
    return getattr(settings, "WORKLIST_AT_RISK_DAYS", 2)


def today() -> date:
    return timezone.localdate()


def due_date_for(entity, *, opened: date | None = None) -> date:
    """The close deadline that an item opened on `opened` must meet."""
    opened = opened or today()
    if entity is not None:
        deadline = (
            ClosePeriod.objects.filter(entity=entity, close_deadline__gte=opened)
            .order_by("close_deadline")
            .values_list("close_deadline", flat=True)
            .first()
        )
        if deadline is not None:
            return deadline
    return opened + timedelta(days=default_due_days())


def days_left(due: date, *, on: date | None = None) -> int:
    return (due - (on or today())).days


def ageing_flag(due: date, *, on: date | None = None) -> str:
    """'overdue', 'at_risk' or '' for an active item."""
    left = days_left(due, on=on)
    if left < 0:
        return "overdue"
    if left <= at_risk_days():
        return "at_risk"
    return ""
