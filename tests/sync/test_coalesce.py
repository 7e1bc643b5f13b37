"""Webhook tasks coalesce: one pending prepare task per source, object type and entity — and no document is left
without a task, whenever its webhook arrives (before the task starts, while it runs, after a lost task)."""

import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

from apps.documents.models import Document
from apps.sync.models import PendingPrepare
from apps.sync.services import coalesce, runs
from tests.sync import helpers

urlpatterns = [path("hooks/", include("apps.sync.hook_urls"))]
pytestmark = [pytest.mark.urls("tests.sync.test_coalesce"), pytest.mark.django_db]
TASK = "apps.sync.tasks.entity_prepare_task"


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *args, **kwargs: calls.append(args))
    return calls


def run_queued(queued) -> list[dict]:
    """Execute the queued prepare tasks in order, as a worker would (tasks may queue more)."""
    from apps.sync.tasks import entity_prepare_task

    results = []
    while queued:
        name, *args = queued.pop(0)
        assert name == TASK
        results.append(entity_prepare_task(*args))
    return results


def report(source_id: str, n: int = 0, **kwargs) -> dict:
    """A report of its own amount (equal amounts, dates and merchants are held as suspected duplicates)."""
    return helpers.report(source_id, lines=[helpers.line(f"{source_id}-1", amount=f"{40 + n}.25")], **kwargs)


def deliver(report) -> int:
    body, headers = helpers.signed(report)
    return Client().post("/hooks/platform/", data=body, content_type="application/json", **headers).status_code


def test_a_burst_of_webhooks_queues_one_task_per_entity(entities, it_admin, queued, django_capture_on_commit_callbacks):
    helpers.webhook_connector(it_admin, entities=list(entities.values()))
    with django_capture_on_commit_callbacks(execute=True):
        answers = [deliver(helpers.report(f"R-{n}")) for n in range(10)]
        answers += [deliver(helpers.report(f"R-DE-{n}", entity="DE")) for n in range(3)]
    assert answers == [202] * 13 and Document.objects.count() == 13
    assert sorted(queued) == sorted(
        [
            (TASK, "platform", "expense_report", entities["FR"].pk),
            (TASK, "platform", "expense_report", entities["DE"].pk),
        ]
    )
    assert PendingPrepare.objects.count() == 2


def test_the_task_start_lets_the_next_webhook_queue_a_new_task(entities, it_admin, queued):
    helpers.webhook_connector(it_admin, entities=list(entities.values()))
    document = Document(source_connector="platform", object_type="expense_report", entity_id=entities["FR"].pk)
    assert coalesce.prepare_enqueue(document) and not coalesce.prepare_enqueue(document)
    coalesce.prepare_started("platform", "expense_report", entities["FR"].pk)
    assert coalesce.prepare_enqueue(document)
    assert len(queued) == 2


def test_a_marker_whose_task_was_lost_stops_counting_after_STALE(entities, queued):
    from django.utils import timezone

    document = Document(source_connector="platform", object_type="expense_report", entity_id=entities["FR"].pk)
    assert coalesce.prepare_enqueue(document)
    assert not coalesce.prepare_enqueue(document, now=timezone.now() + coalesce.STALE / 2)
    assert coalesce.prepare_enqueue(document, now=timezone.now() + coalesce.STALE * 2)  # the task was lost
    assert len(queued) == 2 and PendingPrepare.objects.count() == 1
    assert coalesce.stale_markers_clear(now=timezone.now() + coalesce.STALE * 4) == 1


def test_a_failed_enqueue_leaves_no_marker_behind(entities, monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr("django_q.tasks.async_task", broker_down)
    document = Document(source_connector="platform", object_type="expense_report", entity_id=entities["FR"].pk)
    with pytest.raises(ConnectionError):
        coalesce.prepare_enqueue(document)
    assert not PendingPrepare.objects.exists()  # the next webhook enqueues again


def test_one_task_posts_every_document_of_the_burst(posting_setup, queued):
    setup = posting_setup(17, trigger="webhook")
    documents = [helpers.receive(setup, report(f"R-BURST-{n}", n)) for n in range(6)]
    assert [coalesce.prepare_enqueue(d) for d in documents] == [True] + [False] * 5
    assert run_queued(queued) == [{"prepared": 6, "posted": 6}]
    assert set(Document.objects.values_list("state", flat=True)) == {"posted"}
    assert setup.count("account.move", [["ref", "like", "R-BURST-"]]) == 6
    assert not PendingPrepare.objects.exists()


def test_a_webhook_arriving_while_the_task_runs_is_still_processed(posting_setup, queued, monkeypatch):
    """The marker is gone once the task started: the late document queues its own task, which posts it."""
    setup = posting_setup(17, trigger="webhook")
    first = helpers.receive(setup, helpers.report("R-EARLY"))
    assert coalesce.prepare_enqueue(first)
    real_prepare, late = runs.documents_prepare, []

    def prepare_while_a_webhook_arrives(**kwargs):
        if not late:  # during the task's first batch, after it selected its documents
            late.append(helpers.receive(setup, report("R-LATE", 1)))
            assert coalesce.prepare_enqueue(late[0])  # the task started: no pending marker any more
        return real_prepare(**kwargs)

    monkeypatch.setattr(runs, "documents_prepare", prepare_while_a_webhook_arrives)
    run_queued(queued)
    for document in (first, late[0]):
        document.refresh_from_db()
        assert document.state == "posted", (document.source_id, document.state, document.state_reason)
    assert setup.count("account.move", [["ref", "like", "R-LATE"]]) == 1


def test_a_task_that_reaches_its_batch_limit_hands_the_rest_to_a_new_task(posting_setup, queued, monkeypatch):
    setup = posting_setup(17, trigger="webhook", batch_size=2)
    monkeypatch.setattr(runs, "ENTITY_BATCHES", 1)
    documents = [helpers.receive(setup, report(f"R-CAP-{n}", n)) for n in range(5)]
    for document in documents:
        coalesce.prepare_enqueue(document)
    results = run_queued(queued)
    assert [r["prepared"] for r in results] == [2, 2, 1]
    assert set(Document.objects.values_list("state", flat=True)) == {"posted"}
    assert setup.count("account.move", [["ref", "like", "R-CAP-"]]) == 5


def test_a_manual_flow_task_prepares_but_leaves_posting_to_its_run(posting_setup, queued):
    setup = posting_setup(17, trigger="manual")
    document = helpers.receive(setup, helpers.report("R-MANUAL-TASK"))
    coalesce.prepare_enqueue(document)
    assert run_queued(queued) == [{"prepared": 1, "posted": 0}]
    document.refresh_from_db()
    assert document.state == "mapped"


def test_a_webhook_flows_task_waits_for_a_full_batch_while_webhooks_keep_arriving(posting_setup, queued, settings,
                                                                                  monkeypatch):  # fmt: skip
    """One batch for the burst, not one per webhook the worker happened to see: each poll of the linger sees one
    more webhook arrive, and none of them queues a task of its own (the marker is still set)."""
    settings.SYNC_BATCH_LINGER = 5
    setup = posting_setup(17, trigger="webhook", batch_size=4)
    assert coalesce.prepare_enqueue(helpers.receive(setup, report("R-LINGER-0")))
    arriving = iter(range(1, 4))

    def a_webhook_meanwhile(seconds):
        n = next(arriving, None)
        if n is not None:
            assert not coalesce.prepare_enqueue(helpers.receive(setup, report(f"R-LINGER-{n}", n)))

    monkeypatch.setattr(coalesce.time, "sleep", a_webhook_meanwhile)
    assert run_queued(queued) == [{"prepared": 4, "posted": 4}]
    assert setup.count("account.move", [["ref", "like", "R-LINGER-"]]) == 4


def test_after_a_full_batch_the_task_waits_for_the_next_one_to_fill_while_webhooks_keep_arriving(
    posting_setup, queued, settings, monkeypatch
):
    """The lanes post while the task prepares, so the task comes back for the next batch at once: without a wait
    it would prepare and post whatever few webhooks had arrived by then, many small batches."""
    settings.SYNC_BATCH_LINGER = 5
    setup = posting_setup(17, trigger="webhook", batch_size=2)
    for n in range(2):  # a full batch waits when the task starts
        coalesce.prepare_enqueue(helpers.receive(setup, report(f"R-BURST-{n}", n)))
    arriving = iter(range(2, 4))

    def a_webhook_meanwhile(seconds):
        n = next(arriving, None)
        if n is not None:
            helpers.receive(setup, report(f"R-BURST-{n}", n))

    monkeypatch.setattr(coalesce.time, "sleep", a_webhook_meanwhile)
    assert run_queued(queued) == [{"prepared": 4, "posted": 4}]
    assert setup.count("account.move", [["ref", "like", "R-BURST-"]]) == 4


def test_a_lone_webhook_waits_only_the_quiet_period(entities, settings):
    settings.SYNC_BATCH_LINGER = 5
    started = time.monotonic()
    assert coalesce.batch_linger("platform", "expense_report", entities["FR"].pk, 250, quiet=0.2) == 0
    assert 0.2 <= time.monotonic() - started < 2


def test_no_linger_when_tasks_run_inline_or_it_is_off(entities, settings, monkeypatch):
    from django_q.conf import Conf

    key = ("platform", "expense_report", entities["FR"].pk)
    settings.SYNC_BATCH_LINGER = 0
    started = time.monotonic()
    coalesce.batch_linger(*key, 250, quiet=5)
    settings.SYNC_BATCH_LINGER = 5
    monkeypatch.setattr(Conf, "SYNC", True)  # the task runs inside the webhook's own request
    coalesce.batch_linger(*key, 250, quiet=5)
    assert time.monotonic() - started < 1


def test_a_full_batch_waiting_ends_the_linger_at_once_and_is_counted_up_to_the_batch(
    posting_setup, settings, django_assert_max_num_queries
):
    setup = posting_setup(17, trigger="webhook")
    for n in range(3):
        helpers.receive(setup, report(f"R-FULL-{n}", n))
    settings.SYNC_BATCH_LINGER = 5
    started = time.monotonic()
    with django_assert_max_num_queries(1):
        assert coalesce.batch_linger(setup.source.slug, "expense_report", setup.entity.pk, 2, quiet=5) == 2
    assert time.monotonic() - started < 1


def test_while_it_lingers_only_its_own_keys_arrivals_count_and_the_polls_stay_small(
    posting_setup, settings, monkeypatch
):
    """Each poll reads what arrived since the last one (a primary-key range), not the key's received documents
    again: that count grew with every document the key ever had until a vacuum."""
    settings.SYNC_BATCH_LINGER = 5
    setup = posting_setup(17, trigger="webhook")
    helpers.receive(setup, report("R-MINE-0", 0))
    arrivals = iter([("R-MINE-1", "FR"), ("R-OTHER-1", "DE"), ("R-MINE-2", "FR")])

    def a_webhook_meanwhile(seconds):
        if (arrival := next(arrivals, None)) is not None:
            source_id, entity = arrival
            helpers.receive(setup, report(source_id, int(source_id[-1]), entity=entity))

    monkeypatch.setattr(coalesce.time, "sleep", a_webhook_meanwhile)
    with CaptureQueriesContext(connection) as queries:
        waiting = coalesce.batch_linger(setup.source.slug, "expense_report", setup.entity.pk, 3, quiet=5)
    assert waiting == 3  # R-MINE-0..2: the DE report is another key's
    linger = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT") and "COUNT" in q["sql"]]
    assert len(linger) == 1  # counted once; then each poll reads the ids after the newest seen
    polls = [q["sql"] for q in queries.captured_queries if '"documents_document"."id" >' in q["sql"]]
    assert len(polls) == 3
