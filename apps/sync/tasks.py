"""django-q2 tasks: thin wrappers that load by id and call one service. Safe to deliver twice (claims)."""

from apps.sync.services import runs


def sync_run_execute_task(run_id: int):
    run = runs.sync_run_execute(run_id=run_id)
    return None if run is None else {"run": run.pk, "status": run.status}


def document_process_task(document_id: int):
    return runs.document_process(document_id=document_id)


def entity_prepare_task(source_connector: str, object_type: str, entity_id: int):
    """Enqueued by webhook intake, at most one pending per source, object type and entity (coalesce.py)."""
    return runs.entity_process(source_connector=source_connector, object_type=object_type, entity_id=entity_id)


def sync_retry_sweep_task():
    """Every minute (a django-q2 Schedule): keep the flows' schedules in step with the flows, reclaim postings
    whose worker died, and post again what is due."""
    from apps.sync.services.schedules import schedules_sync

    schedules_sync()
    return runs.retry_sweep()


def flow_scheduled_run_task(flow_id: int):
    """A flow's cron Schedule fires this: queue one run (unique per minute) and let it execute."""
    from django.utils import timezone

    from apps.sync.models import Flow

    flow = Flow.objects.select_related("source", "target").filter(pk=flow_id, enabled=True).first()
    if flow is None:
        return None  # disabled or deleted since the schedule was written; the next sweep removes the row
    minute = timezone.now().strftime("%Y%m%d%H%M")
    return runs.sync_run_create(flow=flow, trigger="schedule", actor="scheduler",
                                run_key=f"{flow.slug}:schedule:{minute}").pk  # fmt: skip
