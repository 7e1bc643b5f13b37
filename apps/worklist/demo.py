"""Demo worklist for `manage.py seed_demo`: a close calendar per entity and a handful of items per category.

Idempotent: each demo item is created once (keyed by subject and category), close periods are upserted and
the digest/overdue/wake schedules are created once.
"""

from calendar import monthrange
from datetime import date, timedelta

from django.utils import timezone

from apps.entities.models import LegalEntity
from apps.worklist.models import ClosePeriod, WorklistItem
from apps.worklist.services import worklist_item_open
from apps.worklist.tasks import schedules_ensure

SAMPLES = [
    (
        "FR",
        "mapping_missing",
        "Employee jane.doe@acme.fr has no Odoo employee mapping in FR.",
        "mapping employee:jane.doe@acme.fr not found",
        "map",
        {"dimension": "employee", "source_value": "jane.doe@acme.fr", "amount": "84.20"},
    ),
    (
        "FR",
        "closed_period",
        "The report is dated in March, which is locked in Odoo for FR.",
        "UserError: You cannot add/modify entries prior to and inclusive of the lock date 2026-03-31",
        "post",
        {"amount": "412.00"},
    ),
    (
        "DE",
        "invalid_tax",
        "Tax code DE-19-REDUCED does not exist for Acme GmbH.",
        "ValidationError: tax DE-19-REDUCED not found",
        "map",
        {"amount": "59.90"},
    ),
    (
        "DE",
        "missing_receipt",
        "Hotel expense of 240.00 EUR has no receipt (policy: receipts above 25 EUR).",
        "",
        "validate",
        {"amount": "240.00"},
    ),
    (
        "US",
        "transport",
        "Odoo did not answer in time; the report will post once it is reachable.",
        "ReadTimeout after 30s on /xmlrpc/2/object",
        "post",
        {"amount": "1250.00"},
    ),
    (
        "US",
        "duplicate_suspected",
        "Same employee, amount, date and merchant as report R-1001 (already posted).",
        "",
        "validate",
        {"amount": "36.00"},
    ),
]


def _month_end(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def seed(stdout) -> None:
    today = timezone.localdate()
    ends = [_month_end(today.replace(day=1) - timedelta(days=1)), _month_end(today)]
    for entity in LegalEntity.objects.all():
        for end in ends:
            ClosePeriod.objects.update_or_create(
                entity=entity, period_end=end, defaults={"close_deadline": end + timedelta(days=5)}
            )
    created = 0
    for code, category, message, detail, stage, context in SAMPLES:
        entity = LegalEntity.objects.filter(code=code).first()
        key = f"demo:{code}:{category}"
        if entity is None or WorklistItem.objects.filter(subject_key=key, category=category).exists():
            continue
        worklist_item_open(
            category=category,
            subject_key=key,
            message=message,
            detail=detail,
            entity=entity,
            flow=f"{code.lower()}-expenses",
            stage=stage,
            context=context,
            actor="demo",
        )
        created += 1
    schedules_ensure()
    stdout.write(f"worklist: {created} demo item(s), close calendar for {len(ends)} periods per entity")
