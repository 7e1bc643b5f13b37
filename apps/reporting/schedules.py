"""The reporting tasks as django-q2 schedules (rows, created once after migrate; an admin may edit them)."""

SCHEDULES = [
    # name, func, schedule type, minutes or cron
    ("reporting: ops rollup", "apps.reporting.tasks.ops_rollup_task", "I", 1, ""),
    ("reporting: reimbursement status back", "apps.reporting.tasks.reimbursement_status_task", "I", 5, ""),
    ("reporting: publication", "apps.reporting.tasks.publication_task", "I", 15, ""),
    ("reporting: master data to platforms", "apps.reporting.tasks.master_data_push_task", "C", None, "40 2 * * *"),
    ("reporting: reconciliation", "apps.reporting.tasks.reconciliation_scheduled_task", "C", None, "30 4 * * *"),
]


def ensure_schedules(using: str = "default", **_kwargs) -> None:
    """Create the schedules once, in the database the task queue uses (idempotent; edits are kept)."""
    from django.db import router
    from django_q.models import Schedule

    if not router.allow_migrate_model(using, Schedule):
        return  # e.g. `migrate --database reporting`: the queue's tables are not there
    for name, func, kind, minutes, cron in SCHEDULES:
        defaults = {"func": func, "schedule_type": kind, "repeats": -1}
        defaults.update({"minutes": minutes} if minutes else {"cron": cron})
        Schedule.objects.using(using).get_or_create(name=name, defaults=defaults)
