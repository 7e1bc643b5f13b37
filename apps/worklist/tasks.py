"""django-q2 tasks: thin wrappers that load by id and call one service (safe to deliver twice)."""

from datetime import timedelta

from django.utils import timezone
from django_q.models import Schedule

from integration_console.logs import correlation_id


def bulk_action_task(bulk_id: int) -> str:
    from apps.worklist.services import bulk_action_run

    token = correlation_id.set(f"worklist-bulk-{bulk_id}")
    try:
        return bulk_action_run(bulk_id=bulk_id)
    finally:
        correlation_id.reset(token)


def worklist_digest_task() -> int:
    from apps.worklist.services.notify import worklist_digest_send

    return worklist_digest_send()


def worklist_overdue_task() -> int:
    from apps.worklist.services.notify import worklist_overdue_notify

    return worklist_overdue_notify()


def worklist_wake_task() -> int:
    from apps.worklist.services import worklist_items_wake

    return worklist_items_wake()


SCHEDULES = [
    # name, function, schedule type, minutes (MINUTES only). DAILY/HOURLY count from the first run;
    # the digest's first run is set to 06:00 UTC tomorrow (no cron: croniter is not a dependency).
    ("worklist: daily digest", "apps.worklist.tasks.worklist_digest_task", Schedule.DAILY, None),
    ("worklist: overdue notices", "apps.worklist.tasks.worklist_overdue_task", Schedule.HOURLY, None),
    ("worklist: wake snoozed items", "apps.worklist.tasks.worklist_wake_task", Schedule.MINUTES, 10),
]


def schedules_ensure() -> None:
    """Create the worklist's schedules once (idempotent; runs after every migrate and in demo seeding)."""
    tomorrow_six = (timezone.now() + timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
    for name, func, kind, minutes in SCHEDULES:
        Schedule.objects.get_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": kind,
                "minutes": minutes,
                "next_run": tomorrow_six if kind == Schedule.DAILY else timezone.now(),
            },
        )
