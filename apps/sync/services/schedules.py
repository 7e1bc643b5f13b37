"""The flow engine's django-q2 schedules: one row per scheduled flow (its cron) and the retry sweep every minute.

    schedules_sync() -> {"created": n, "updated": n, "removed": n, "invalid": [slug, …]}

Idempotent: rows are found by name and only written when they differ from the flows, so it runs after every
`migrate` (SyncConfig's post_migrate handler, so `make run` has them) and again from the sweep itself, which
picks up flows changed since. A flow that is disabled, not scheduled or without a valid cron loses its row.
"""

from datetime import datetime

from croniter import croniter
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from apps.sync.models import Flow, FlowTrigger

SWEEP_NAME = "sync: retry sweep"
SWEEP_FUNC = "apps.sync.tasks.sync_retry_sweep_task"
FLOW_PREFIX = "sync: flow "
FLOW_FUNC = "apps.sync.tasks.flow_scheduled_run_task"


def next_run(cron: str, now: datetime) -> datetime:
    """The next time the cron fires after `now`, read in the site's time zone (as django-q2 reads it)."""
    return croniter(cron, timezone.localtime(now)).get_next(datetime)


def _wanted(now) -> tuple[dict[str, dict], list[str]]:
    wanted, invalid = {}, []
    flows = Flow.objects.filter(enabled=True, trigger=FlowTrigger.SCHEDULE).exclude(cron="").order_by("slug")
    for flow in flows:
        if not croniter.is_valid(flow.cron):
            invalid.append(flow.slug)
            continue
        wanted[f"{FLOW_PREFIX}{flow.slug}"] = {"func": FLOW_FUNC, "args": str(flow.pk), "schedule_type": Schedule.CRON,
                                               "cron": flow.cron, "repeats": -1}  # fmt: skip
    return wanted, invalid


def schedules_sync(*, now=None, using: str = "default") -> dict:
    """Make the schedule rows match the flows (see the module docstring). Returns what changed."""
    now = now or timezone.now()
    counts = {"created": 0, "updated": 0, "removed": 0}
    wanted, invalid = _wanted(now)
    sweep = {"func": SWEEP_FUNC, "args": None, "schedule_type": Schedule.MINUTES, "minutes": 1, "repeats": -1}
    with transaction.atomic(using=using):
        rows = Schedule.objects.using(using)
        existing = {s.name: s for s in rows.filter(name__startswith=FLOW_PREFIX) | rows.filter(name=SWEEP_NAME)}
        for name, values in [(SWEEP_NAME, sweep), *wanted.items()]:
            row = existing.get(name)
            if row is None:
                first = next_run(values["cron"], now) if values.get("cron") else now
                rows.create(name=name, next_run=first, **values)
                counts["created"] += 1
            elif any(getattr(row, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(row, key, value)
                row.next_run = next_run(values["cron"], now) if values.get("cron") else row.next_run
                row.save(using=using)
                counts["updated"] += 1
        stale = [s.pk for name, s in existing.items() if name != SWEEP_NAME and name not in wanted]
        counts["removed"] = rows.filter(pk__in=stale).delete()[0] if stale else 0
    return {**counts, "invalid": invalid}


def flow_schedule(flow) -> Schedule | None:
    """The schedule row of a flow (for its page), or None."""
    return Schedule.objects.filter(name=f"{FLOW_PREFIX}{flow.slug}").first()
