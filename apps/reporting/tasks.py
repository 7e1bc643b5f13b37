"""django-q2 tasks: thin wrappers that set a correlation id and call one service (safe to deliver twice: every
service claims its work)."""

from __future__ import annotations

from integration_console.logs import correlation_id, new_correlation_id


def _run(call):
    token = correlation_id.set(new_correlation_id())
    try:
        return call()
    finally:
        correlation_id.reset(token)


def _summary(run):
    return None if run is None else {"run": run.pk, "status": run.status, "counts": run.counts}


def ops_rollup_task():
    from apps.reporting.services.rollup import ops_rollup

    return _run(ops_rollup)


def reimbursement_status_task(trigger: str = "schedule"):
    from apps.reporting.services.status import reimbursement_status_check

    return _run(lambda: _summary(reimbursement_status_check(trigger=trigger)))


def publication_task(trigger: str = "schedule"):
    from apps.reporting.services.publication import publication_run

    return _run(lambda: _summary(publication_run(trigger=trigger)))


def master_data_push_task(trigger: str = "schedule"):
    from apps.reporting.services.masterdata import master_data_push

    return _run(lambda: _summary(master_data_push(trigger=trigger)))


def reconciliation_execute_task(run_id: int):
    from apps.reporting.services.reconciliation import reconciliation_execute

    def call():
        run = reconciliation_execute(run_id)
        return None if run is None else {"run": run.pk, "differences": run.differences_count}

    return _run(call)


def reconciliation_scheduled_task():
    from apps.reporting.services.reconciliation import reconciliation_scheduled

    return _run(reconciliation_scheduled)


TASKS = {
    "publication": "apps.reporting.tasks.publication_task",
    "reimbursement_status": "apps.reporting.tasks.reimbursement_status_task",
    "master_data": "apps.reporting.tasks.master_data_push_task",
}
