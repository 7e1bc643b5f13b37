"""Closed periods: the console decides, because Odoo 16–19 silently re-date a post into a locked period."""

from dataclasses import dataclass
from datetime import date, timedelta

LOCK_FIELDS = ("fiscalyear_lock_date", "period_lock_date", "tax_lock_date", "hard_lock_date")


@dataclass(frozen=True)
class PeriodDecision:
    action: str  # "post" | "hold" | "reject"
    date: date
    redated_from: date | None = None
    message: str = ""


def lock_date(entity, *, has_taxes: bool) -> date | None:
    """The latest lock date that applies to an expense entry of the entity (tax lock only with taxes)."""
    values = [getattr(entity, f, None) for f in LOCK_FIELDS if has_taxes or f != "tax_lock_date"]
    values = [v for v in values if v]
    return max(values) if values else None


def decide(entity, on: date, *, has_taxes: bool, policy: str) -> PeriodDecision:
    """What to do with an entry dated `on` under the flow's closed-period policy (pure)."""
    locked = lock_date(entity, has_taxes=has_taxes)
    if locked is None or on > locked:
        return PeriodDecision("post", on)
    message = f"{entity.code}'s books are locked up to {locked.isoformat()}; the entry is dated {on.isoformat()}."
    if policy == "post_next_open_date":
        first_open = locked + timedelta(days=1)
        text = f"{message} Posted on the first open date, {first_open.isoformat()}."
        return PeriodDecision("post", first_open, redated_from=on, message=text)
    if policy == "reject":
        return PeriodDecision("reject", on, message=f"{message} The flow rejects entries in closed periods.")
    return PeriodDecision("hold", on, message=f"{message} Held until the period is reopened or the date changed.")
