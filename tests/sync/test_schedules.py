"""The flow engine's django-q2 schedules: the retry sweep every minute after migrate, one cron row per scheduled
flow, kept in step with the flows and idempotent."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_q.models import Schedule

from apps.sync.models import SyncRun
from apps.sync.services.schedules import FLOW_PREFIX, SWEEP_NAME, schedules_sync
from apps.sync.tasks import flow_scheduled_run_task
from tests.sync import helpers

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 4, 10, 7, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def scheduled_flow(entities, it_admin):
    target = helpers.odoo_connector(it_admin, url="http://127.0.0.1:9", database="db", login="admin", password="pw")
    source = helpers.webhook_connector(it_admin)
    return helpers.flow(source, target, [entities["FR"]], slug="nightly", trigger="schedule", cron="*/15 * * * *")


def test_migrate_leaves_the_retry_sweep_scheduled_every_minute(db):
    sweep = Schedule.objects.get(name=SWEEP_NAME)  # created by SyncConfig's post_migrate handler
    assert (sweep.func, sweep.schedule_type, sweep.minutes, sweep.repeats) == (
        "apps.sync.tasks.sync_retry_sweep_task", Schedule.MINUTES, 1, -1)  # fmt: skip


def test_a_scheduled_flow_gets_its_cron_row_once(scheduled_flow):
    for expected in ({"created": 1, "updated": 0, "removed": 0}, {"created": 0, "updated": 0, "removed": 0}):
        result = schedules_sync(now=NOW)
        assert {k: result[k] for k in expected} == expected
    row = Schedule.objects.get(name=f"{FLOW_PREFIX}nightly")
    assert (row.func, row.args, row.schedule_type, row.cron) == (
        "apps.sync.tasks.flow_scheduled_run_task", str(scheduled_flow.pk), Schedule.CRON, "*/15 * * * *")  # fmt: skip
    assert row.next_run > timezone.now() and row.next_run.minute % 15 == 0 and row.next_run.second == 0
    assert Schedule.objects.filter(name=SWEEP_NAME).count() == 1


def test_a_changed_cron_updates_the_row_and_a_disabled_flow_loses_it(scheduled_flow):
    schedules_sync(now=NOW)
    scheduled_flow.cron = "0 2 * * *"
    scheduled_flow.save()
    assert schedules_sync(now=NOW)["updated"] == 1
    assert Schedule.objects.get(name=f"{FLOW_PREFIX}nightly").next_run == datetime(2026, 12, 5, 2, 0,
                                                                                   tzinfo=ZoneInfo("UTC"))  # fmt: skip
    scheduled_flow.enabled = False
    scheduled_flow.save()
    assert schedules_sync(now=NOW)["removed"] == 1
    assert not Schedule.objects.filter(name__startswith=FLOW_PREFIX).exists()


def test_an_invalid_cron_is_reported_and_not_scheduled(scheduled_flow):
    scheduled_flow.cron = "every morning"
    scheduled_flow.save()
    assert schedules_sync(now=NOW)["invalid"] == ["nightly"]
    assert not Schedule.objects.filter(name__startswith=FLOW_PREFIX).exists()


def test_a_schedule_tick_delivered_twice_queues_one_run(scheduled_flow):
    first = flow_scheduled_run_task(scheduled_flow.pk)
    second = flow_scheduled_run_task(scheduled_flow.pk)
    assert first == second and SyncRun.objects.filter(flow=scheduled_flow).count() == 1
