"""Bulk actions run as django-q2 tasks (sync mode here) over a snapshot of ids, with progress counts."""

import pytest
from django.urls import reverse

from apps.ledger.models import LedgerEntry
from apps.worklist import redrive, services
from apps.worklist.models import BulkAction, WorklistItem, WorklistStatus
from apps.worklist.redrive import FlowEngineNotRunning, RedriveResult
from apps.worklist.selectors import WorklistFilter
from apps.worklist.services import bulk as bulk_module

pytestmark = pytest.mark.django_db


@pytest.fixture
def q_sync(settings, monkeypatch):
    """django-q2 runs tasks in-process: Q_CLUSTER sync (Conf reads it once at import, so patch it too)."""
    from django_q.conf import Conf

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    monkeypatch.setattr(Conf, "SYNC", True)


def run_bulk(capture, **kwargs) -> BulkAction:
    with capture(execute=True):
        action = services.bulk_action_create(**kwargs)
    action.refresh_from_db()
    return action


def test_bulk_dismiss_by_filter_runs_in_the_task_queue_and_counts_progress(
    q_sync, django_capture_on_commit_callbacks, make_item, controller, monkeypatch
):
    monkeypatch.setattr(bulk_module, "PROGRESS_EVERY", 2)
    items = [make_item(category="transport") for _ in range(5)]
    make_item(category="invalid_tax")
    action = run_bulk(
        django_capture_on_commit_callbacks,
        kind="dismiss",
        actor=controller,
        filters=WorklistFilter(category=["transport"]),
        params={"note": "Odoo test server, not real."},
    )
    assert (action.status, action.total, action.done, action.succeeded, action.failed) == ("done", 5, 5, 5, 0)
    assert action.task_id and action.finished_at is not None
    assert set(WorklistItem.objects.filter(status="dismissed").values_list("pk", flat=True)) == {i.pk for i in items}
    assert LedgerEntry.objects.filter(kind="worklist_item.dismiss").count() == 5
    assert LedgerEntry.objects.filter(kind="worklist_bulk_action.requested").count() == 1


def test_bulk_assign_of_ticked_items_only(q_sync, django_capture_on_commit_callbacks, make_item, controller):
    ticked, other = make_item(), make_item()
    services.worklist_item_assign(item=ticked, assignee=None, actor=controller)
    services.worklist_item_assign(item=other, assignee=None, actor=controller)
    action = run_bulk(
        django_capture_on_commit_callbacks,
        kind="assign",
        actor=controller,
        filters=WorklistFilter(),
        params={"assignee": controller.pk},
        item_ids=[ticked.pk],
    )
    ticked.refresh_from_db()
    other.refresh_from_db()
    assert action.succeeded == 1 and ticked.assignee == controller and other.assignee is None


def test_bulk_retry_without_engine_is_refused_before_anything_is_queued(make_item, controller):
    make_item(category="transport")
    with pytest.raises(FlowEngineNotRunning, match="not running yet"):
        services.bulk_action_create(kind="retry", actor=controller, filters=WorklistFilter())
    assert not BulkAction.objects.exists()


def test_bulk_retry_calls_the_engine_for_each_item(q_sync, django_capture_on_commit_callbacks, make_item, controller):
    seen = []
    redrive.register_redriver(lambda item, *, actor, dry_run: seen.append(item.pk) or RedriveResult(True, "queued"))
    items = [make_item(category="transport") for _ in range(3)]
    action = run_bulk(django_capture_on_commit_callbacks, kind="retry", actor=controller, filters=WorklistFilter())
    assert action.succeeded == 3 and sorted(seen) == sorted(i.pk for i in items)


def test_items_closed_meanwhile_are_counted_as_failed_with_a_reason(make_item, controller):
    make_item()
    second = make_item()
    action = services.bulk_action_create(
        kind="dismiss", actor=controller, filters=WorklistFilter(), params={"note": "withdrawn"}
    )
    services.worklist_item_resolve(item=second, actor=controller, note="posted by hand")
    services.bulk_action_run(bulk_id=action.pk)
    action.refresh_from_db()
    assert (action.succeeded, action.failed) == (1, 1)
    assert action.errors[0]["item"] == second.pk and "already resolved" in action.errors[0]["message"]


def test_a_task_delivered_twice_does_the_work_once(make_item, controller):
    make_item()
    action = services.bulk_action_create(
        kind="dismiss", actor=controller, filters=WorklistFilter(), params={"note": "x"}
    )
    services.bulk_action_run(bulk_id=action.pk)
    assert "nothing to do" in services.bulk_action_run(bulk_id=action.pk)
    action.refresh_from_db()
    assert (action.done, action.succeeded) == (1, 1)


def test_dismiss_in_bulk_requires_a_reason(make_item, controller):
    make_item()
    with pytest.raises(services.bulk.WorklistError):
        services.bulk_action_create(kind="dismiss", actor=controller, filters=WorklistFilter(), params={"note": ""})


def test_nothing_matching_is_refused(controller, entities):
    with pytest.raises(services.bulk.WorklistError, match="No open item"):
        services.bulk_action_create(kind="dismiss", actor=controller, filters=WorklistFilter(), params={"note": "x"})


def test_bulk_from_the_page_redirects_to_its_progress(client_for, controller, make_item):
    item = make_item()
    response = client_for(controller).post(
        reverse("worklist:bulk"), {"kind": "dismiss", "scope": "selected", "ids": [item.pk], "note": "withdrawn"}
    )
    action = BulkAction.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("worklist:bulk-detail", args=[action.pk])
    page = client_for(controller).get(response["Location"]).content.decode()
    assert "0 of 1 done" in page and "hx-get" in page


def test_bulk_progress_is_visible_to_its_author_only(client_for, controller, controller_de, make_item):
    make_item()
    action = services.bulk_action_create(
        kind="dismiss", actor=controller, filters=WorklistFilter(), params={"note": "x"}
    )
    assert client_for(controller_de).get(reverse("worklist:bulk-detail", args=[action.pk])).status_code == 404
    assert client_for(controller).get(f"/api/v1/worklist/bulk/{action.pk}/").json()["total"] == 1


def test_status_of_items_is_untouched_until_the_task_runs(make_item, controller):
    item = make_item()
    services.bulk_action_create(kind="dismiss", actor=controller, filters=WorklistFilter(), params={"note": "x"})
    item.refresh_from_db()
    assert item.status == WorklistStatus.ASSIGNED
