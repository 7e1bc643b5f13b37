"""Reporting runs: one of each kind at a time, claimed by an insert the database keeps unique.

    run = run_claim(kind=…, trigger=…, actor=…)      # None when another run of that kind is going on
    run_finish(run, counts=…, stats=…, error=…)
    run_request(kind=…, actor=user)                  # "run now" (page and API): queued after commit

A run left `running` by a worker that died is failed after LEASE, so the next schedule can claim again.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.access.permissions import require
from apps.reporting.models import ReportingRun, ReportingRunStatus
from apps.reporting.tasks import TASKS
from integration_console.logs import correlation_id as correlation_var

LEASE = timedelta(minutes=30)


def _correlation() -> str:
    current = correlation_var.get()
    return current if current and current != "-" else uuid.uuid4().hex


def run_claim(*, kind: str, trigger: str = "schedule", actor=None) -> ReportingRun | None:
    """Start a run of `kind`; None when one is already running (its lease not over)."""
    now = timezone.now()
    ReportingRun.objects.filter(kind=kind, status=ReportingRunStatus.RUNNING, started_at__lt=now - LEASE).update(
        status=ReportingRunStatus.FAILED, finished_at=now, message="The worker stopped before finishing the run."
    )
    try:
        with transaction.atomic():
            run = ReportingRun.objects.create(
                kind=kind, trigger=trigger, started_at=now, correlation_id=_correlation(),
                requested_by=actor if getattr(actor, "pk", None) else None,
            )  # fmt: skip
    except IntegrityError:
        return None
    correlation_var.set(run.correlation_id)
    return run


def run_finish(run: ReportingRun, *, counts: dict, stats=None, error: str = "", partial: bool = False) -> ReportingRun:
    """Record the outcome of `run` (counts, Odoo calls and time, the error message if it failed)."""
    if error:
        run.status = ReportingRunStatus.FAILED
    else:
        run.status = ReportingRunStatus.PARTIAL if partial else ReportingRunStatus.SUCCEEDED
    run.finished_at = timezone.now()
    run.counts, run.message = counts, error[:500]
    if stats is not None:
        run.odoo_calls, run.odoo_ms, run.odoo_errors = stats.calls, stats.ms, dict(stats.errors)
    run.save()
    return run


class UnknownTask(ValueError):
    """No reporting task of that name can be run now."""


def run_request(*, kind: str, actor) -> None:
    """Queue the reporting task `kind` (a key of apps.reporting.tasks.TASKS) once the caller's transaction
    commits; the task claims its run, so a second request while one runs changes nothing. Needs
    `reporting.run_reporting`."""
    require(actor, "reporting.run_reporting", message="You may not run reporting tasks.")
    if kind not in TASKS:
        raise UnknownTask(f"Unknown task {kind!r}: choose one of {', '.join(TASKS)}.")
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task(TASKS[kind], "manual"))
