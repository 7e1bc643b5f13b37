"""The posting lane: a worker posts batch k in a second thread while it prepares batch k+1, so Odoo's work and the
console's overlap (issue 7: end to end against the floor). Inline inside a transaction or when switched off; the
lane's errors reach the caller; a failing caller waits for the batch in flight; the lane keeps the run's
correlation id and holds no database connection between tasks."""

import threading

import pytest
from django.db import connection

from apps.documents.models import Document
from apps.ledger.models import LedgerEntry
from apps.sync.models import SyncRun
from apps.sync.services import lane as lane_module
from apps.sync.services import posting, runs
from apps.sync.services.lane import posting_lane
from tests.sync import helpers
from tests.sync.test_batches import reports


class Spy:
    """Wraps the run's prepare and post: the first post waits (up to `wait` s) for the next batch's prepare."""

    def __init__(self, monkeypatch, wait: float = 10.0):
        self.second_prepare, self.wait = threading.Event(), wait
        self.prepares, self.post_threads, self.first_post_overlapped = 0, set(), None
        real_prepare, real_post = runs.documents_prepare, runs.documents_post

        def prepare(**kw):
            self.prepares += 1
            if self.prepares == 2:
                self.second_prepare.set()
            return real_prepare(**kw)

        def post(**kw):
            if self.first_post_overlapped is None:
                self.first_post_overlapped = self.second_prepare.wait(timeout=self.wait)
            self.post_threads.add(threading.get_ident())
            return real_post(**kw)

        monkeypatch.setattr(runs, "documents_prepare", prepare)
        monkeypatch.setattr(runs, "documents_post", post)


def _lane_holds_a_connection() -> bool:
    return any(t.call(lambda: connection.connection is not None).result() for t in lane_module._lane_threads(2))


@pytest.mark.django_db(transaction=True)  # commits: the lane's own connection sees the documents
def test_a_run_posts_each_batch_while_it_prepares_the_next(posting_setup, monkeypatch):
    setup = posting_setup(17, batch_size=2)
    documents = reports(setup, "R-LANE", 6)  # three batches
    spy = Spy(monkeypatch)
    run = helpers.run(setup)
    assert spy.first_post_overlapped is True  # batch 2 was being prepared while batch 1 posted
    assert threading.get_ident() not in spy.post_threads
    assert (run.status, run.posted, run.total) == ("succeeded", 6, 6)
    for document in documents:
        assert [m["state"] for m in setup.moves(document.idempotency_key)] == ["posted"]
    posted = LedgerEntry.objects.filter(kind="journal_entry.posted")
    assert set(posted.values_list("correlation_id", flat=True)) == {run.correlation_id}  # the lane's entries too
    assert not _lane_holds_a_connection()


@pytest.mark.django_db(transaction=True)
def test_a_webhook_task_posts_each_batch_while_it_prepares_the_next(posting_setup, monkeypatch):
    setup = posting_setup(17, batch_size=2, trigger="webhook")
    documents = reports(setup, "R-HOOK", 5)
    spy = Spy(monkeypatch)
    done = runs.entity_process(source_connector=setup.source.slug, object_type="expense_report",
                               entity_id=setup.entity.pk)  # fmt: skip
    assert done == {"prepared": 5, "posted": 5}
    assert spy.first_post_overlapped is True
    assert set(Document.objects.filter(pk__in=[d.pk for d in documents]).values_list("state", flat=True)) == {"posted"}
    assert setup.count("account.move", [["ref", "like", "R-HOOK"]]) == 5


@pytest.mark.django_db(transaction=True)
def test_switched_off_a_run_posts_in_turn_in_its_own_thread(posting_setup, monkeypatch, settings):
    settings.SYNC_POSTING_LANES = 0
    setup = posting_setup(17, batch_size=2)
    reports(setup, "R-TURN", 4)
    spy = Spy(monkeypatch, wait=0.2)
    run = helpers.run(setup)
    assert spy.first_post_overlapped is False and spy.post_threads == {threading.get_ident()}
    assert run.posted == 4


@pytest.mark.django_db
def test_inside_a_transaction_the_lane_runs_inline():
    # The test's transaction is open: another connection could not see what the caller wrote.
    seen = []
    with posting_lane() as lane:
        lane.submit(lambda: seen.append(threading.get_ident()))
        lane.submit(lambda: seen.append(threading.get_ident()))
    assert seen == [threading.get_ident()] * 2


@pytest.mark.django_db(transaction=True)
def test_an_error_in_the_lane_fails_the_run_with_its_message(posting_setup, monkeypatch):
    setup = posting_setup(17, batch_size=2)
    reports(setup, "R-FAIL", 2)

    def broken(**kw):
        raise RuntimeError("the posting thread broke")

    monkeypatch.setattr(runs, "documents_post", broken)
    with pytest.raises(RuntimeError, match="the posting thread broke"):
        helpers.run(setup)
    run = SyncRun.objects.get()
    assert run.status == "failed" and "the posting thread broke" in run.message


@pytest.mark.django_db(transaction=True)
def test_a_failing_caller_waits_for_the_batch_in_flight_before_its_error_leaves(posting_setup, monkeypatch):
    setup = posting_setup(17, batch_size=2)
    documents = reports(setup, "R-WAIT", 4)
    real_prepare, real_post, prepares = runs.documents_prepare, runs.documents_post, []

    def prepare(**kw):
        prepares.append(1)
        if len(prepares) == 2:
            raise RuntimeError("preparing batch 2 failed")
        return real_prepare(**kw)

    def slow_post(**kw):
        threading.Event().wait(0.3)  # still posting when the caller fails
        return real_post(**kw)

    monkeypatch.setattr(runs, "documents_prepare", prepare)
    monkeypatch.setattr(runs, "documents_post", slow_post)
    with pytest.raises(RuntimeError, match="preparing batch 2 failed"):
        helpers.run(setup)
    states = dict(Document.objects.filter(pk__in=[d.pk for d in documents]).values_list("pk", "state"))
    assert [states[d.pk] for d in documents] == ["posted", "posted", "received", "received"]
    assert not _lane_holds_a_connection()


@pytest.mark.django_db(transaction=True)
def test_a_revision_waits_while_its_earlier_revision_is_still_posting_then_reverses_it(posting_setup):
    # Two lanes (or two workers) may post the revisions of one report side by side: revision 1 was already
    # `posting` when revision 2 arrived, so intake could not supersede it.
    setup = posting_setup(17)
    first = helpers.receive(setup, helpers.report("R-REV", revision=1))
    assert helpers.prepare(setup, first) == "mapped"
    Document.objects.filter(pk=first.pk).update(state="posting")  # another lane has it
    second = helpers.receive(
        setup, helpers.report("R-REV", revision=2, lines=[helpers.line("R-REV-1", amount="60.00")])
    )
    assert helpers.prepare(setup, second) == "mapped"
    outcome = posting.documents_post(flow=setup.flow, document_ids=[second.pk])
    second.refresh_from_db()
    assert outcome.per_document[second.pk][0] == "waiting" and second.state == "mapped"
    assert "Waits for revision 1" in outcome.per_document[second.pk][1] and second.attempts == 0
    assert setup.moves(second.idempotency_key) == []
    Document.objects.filter(pk=first.pk).update(state="mapped")  # its lane lets go: it posts first
    posting.documents_post(flow=setup.flow, document_ids=[first.pk])
    posting.documents_post(flow=setup.flow, document_ids=[second.pk])
    second.refresh_from_db()
    assert second.state == "posted", second.state_reason
    assert setup.count("account.move", [["ref", "like", "R-REV"]]) == 3  # revision 1, its reversal, revision 2


@pytest.mark.django_db(transaction=True)
def test_a_task_posts_with_the_resolution_it_mapped_with_and_resolves_only_what_it_did_not_prepare(
    posting_setup, monkeypatch
):
    setup = posting_setup(17, batch_size=10, trigger="webhook")
    earlier = reports(setup, "R-EARLIER", 1)[0]
    assert helpers.prepare(setup, earlier) == "mapped"  # mapped by an earlier task; posts with today's mappings
    reports(setup, "R-NOW", 3)
    resolved_at_post = []
    real_resolve = posting.resolve
    monkeypatch.setattr(posting, "resolve", lambda doc, context: resolved_at_post.append(doc.source_id)
                        or real_resolve(doc, context))  # fmt: skip
    done = runs.entity_process(source_connector=setup.source.slug, object_type="expense_report",
                               entity_id=setup.entity.pk)  # fmt: skip
    assert done["prepared"] == 3
    assert resolved_at_post == ["R-EARLIER-0"]
    assert set(Document.objects.values_list("state", flat=True)) == {"posted"}
    assert setup.count("account.move", [["ref", "like", "R-NOW"]]) == 3
