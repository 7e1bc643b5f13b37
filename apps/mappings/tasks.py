"""django-q2 tasks: thin wrappers that load by id and call a service (safe to deliver twice)."""

from __future__ import annotations

from integration_console.logs import correlation_id, new_correlation_id


def master_data_refresh_task(run_id: int):
    from apps.mappings.services import master_data_refresh_execute

    token = correlation_id.set(new_correlation_id())
    try:
        run = master_data_refresh_execute(run_id)
        return run.status if run else "not claimed"
    finally:
        correlation_id.reset(token)


def master_data_refresh_all_task():
    """The schedule: queue a refresh for every active entity an Odoo connector serves."""
    from apps.entities.models import LegalEntity
    from apps.mappings.errors import MappingError
    from apps.mappings.services import master_data_refresh_request

    queued = 0
    for entity in LegalEntity.objects.filter(active=True, odoo_company_id__isnull=False):
        try:
            master_data_refresh_request(entity=entity, actor=None, trigger="schedule")
            queued += 1
        except MappingError:
            continue  # no connector serves it: nothing to refresh
    return queued


def mapping_version_followup_task(version_id: int, approver_id: int | None = None):
    """After an approval: re-drive the held documents the version fixes (see services.followup)."""
    from django.contrib.auth import get_user_model

    from apps.mappings.services.followup import mapping_version_followup

    actor = get_user_model().objects.filter(pk=approver_id).first() or "mappings"
    token = correlation_id.set(new_correlation_id())
    try:
        return mapping_version_followup(version_id=version_id, actor=actor)
    finally:
        correlation_id.reset(token)


def mapping_dangling_check_task():
    from apps.mappings.services import mapping_dangling_check

    token = correlation_id.set(new_correlation_id())
    try:
        return mapping_dangling_check()
    finally:
        correlation_id.reset(token)


SCHEDULES = [
    # name, func, cron — master data nightly before the posting batches; the dangling check after it.
    ("mappings: refresh master data", "apps.mappings.tasks.master_data_refresh_all_task", "15 2 * * *"),
    ("mappings: daily dangling-rule check", "apps.mappings.tasks.mapping_dangling_check_task", "45 3 * * *"),
]


def ensure_schedules(**_kwargs) -> None:
    """Create the schedules once (idempotent; an admin may change their cron afterwards, we keep it)."""
    from django_q.models import Schedule

    for name, func, cron in SCHEDULES:
        Schedule.objects.get_or_create(
            name=name, defaults={"func": func, "schedule_type": Schedule.CRON, "cron": cron, "repeats": -1}
        )
