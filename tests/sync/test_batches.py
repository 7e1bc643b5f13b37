"""Batch stages: one compare-and-set and one ledger append per stage for a whole batch, with the per-document
guarantees intact — a document someone else moved is skipped and reported, every move has its ledger entry in
the same transaction, duplicates inside one batch are still caught, and the SQL a run issues does not grow with
the number of documents (the core-flow throughput of issue 7)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.documents.errors import IllegalTransition
from apps.documents.models import Document
from apps.documents.services import document_claim_many, documents_transition_many
from apps.ledger.models import LedgerEntry
from apps.sync.services.posting import documents_post
from apps.worklist.models import WorklistItem
from tests.sync import helpers

pytestmark = pytest.mark.django_db


def reports(setup, prefix: str, count: int, **line) -> list[Document]:
    return [helpers.receive(setup, helpers.report(f"{prefix}-{i}", lines=[
        helpers.line(f"{prefix}-{i}-1", amount=f"{10 + i}.00", merchant=f"Merchant {prefix} {i}", **line)]))
        for i in range(count)]  # fmt: skip


def test_a_batch_claim_takes_only_what_is_still_in_the_expected_state(posting_setup):
    setup = posting_setup(17)
    first, second, third = reports(setup, "R-CLAIM", 3)
    Document.objects.filter(pk=second.pk).update(state="validated")  # another worker got there first
    claimed = document_claim_many([third.pk, first.pk, second.pk], "received", "validated", flow="expenses")
    assert [d.pk for d in claimed] == [first.pk, third.pk]  # id order; the moved one is not ours
    assert all(d.state == "validated" for d in claimed)
    assert set(Document.objects.values_list("state", flat=True)) == {"validated"}
    entries = LedgerEntry.objects.filter(kind="document.validated")
    assert sorted(entries.values_list("document", flat=True)) == sorted([first.idempotency_key, third.idempotency_key])
    assert document_claim_many([first.pk], "received", "validated") == []  # a second delivery: nothing left


def test_a_batch_claim_refuses_a_move_the_state_machine_forbids(posting_setup):
    setup = posting_setup(17)
    (document,) = reports(setup, "R-ILLEGAL", 1)
    with pytest.raises(IllegalTransition):
        document_claim_many([document.pk], "received", "posted")
    assert Document.objects.get(pk=document.pk).state == "received"


def test_a_batch_transition_skips_a_stale_document_and_records_each_move_with_its_own_values(posting_setup):
    setup = posting_setup(17)
    documents = reports(setup, "R-MOVE", 3)
    Document.objects.filter(pk__in=[d.pk for d in documents]).update(state="posting")
    for document in documents:
        document.state = "posting"
    Document.objects.filter(pk=documents[1].pk).update(state="mapped")  # its lease ran out: reclaimed meanwhile
    before = {"kind": "journal_entry.posted", "direction": "outbound", "document": documents[0].idempotency_key}
    per_document = {d.pk: {"odoo_model": "account.move", "odoo_ids": [100 + i], "reason": f"note {i}"}
                    for i, d in enumerate(documents)}  # fmt: skip
    per_document[documents[0].pk]["entries_before"] = [before]
    moved, stale = documents_transition_many(documents, "posted", actor="worker", flow="expenses",
                                             per_document=per_document)  # fmt: skip
    assert [d.pk for d in stale] == [documents[1].pk]
    assert [d.pk for d in moved] == [documents[0].pk, documents[2].pk]
    rows = {d.pk: d for d in Document.objects.all()}
    assert rows[documents[0].pk].odoo_ids == [100] and rows[documents[2].pk].odoo_ids == [102]
    assert rows[documents[2].pk].state_reason == "" and rows[documents[0].pk].posted_at is not None
    assert rows[documents[1].pk].state == "mapped" and rows[documents[1].pk].odoo_ids == []
    kinds = list(LedgerEntry.objects.filter(document=documents[0].idempotency_key, sequence__gt=0)
                 .order_by("sequence").values_list("kind", flat=True))  # fmt: skip
    assert kinds[-2:] == ["journal_entry.posted", "document.posted"]  # the posting just before the state change
    assert not LedgerEntry.objects.filter(document=documents[1].idempotency_key, kind="document.posted").exists()


def test_duplicates_inside_one_batch_are_held_and_the_others_post(posting_setup):
    setup = posting_setup(17)
    same = {"amount": "55.00", "merchant": "Chez Paul", "date": "2026-11-12"}
    twins = [helpers.receive(setup, helpers.report(f"R-TWIN-{i}", lines=[helpers.line(f"R-TWIN-{i}-1", **same)]))
             for i in (1, 2)]  # fmt: skip
    others = reports(setup, "R-OTHER", 3)
    run = helpers.run(setup)
    states = dict(Document.objects.values_list("source_id", "state"))
    assert [states[d.source_id] for d in twins] == ["held", "held"]
    assert [states[d.source_id] for d in others] == ["posted"] * 3
    items = WorklistItem.objects.filter(category="duplicate_suspected")
    assert sorted(i.document.source_id for i in items) == ["R-TWIN-1", "R-TWIN-2"]
    assert "R-TWIN-2" in items.get(document__source_id="R-TWIN-1").message
    assert run.posted == 3 and run.held == 2


def test_a_run_issues_the_same_sql_for_30_documents_as_for_10(posting_setup):
    """Per batch: a fixed handful of statements per stage, whatever the number of documents (the per-document
    statements were ~40 before the stages were batched)."""
    setup = posting_setup(17, batch_size=100)

    def statements(prefix: str, count: int) -> int:
        reports(setup, prefix, count)
        with CaptureQueriesContext(connection) as queries:
            run = helpers.run(setup)
        assert run.posted == count
        return len(queries)

    small, large = statements("R-TEN", 10), statements("R-THIRTY", 30)
    assert large - small <= 10, (small, large)


def test_a_batch_post_reports_documents_another_worker_holds(posting_setup):
    setup = posting_setup(17)
    documents = reports(setup, "R-HELD-ELSEWHERE", 3)
    for document in documents:
        assert helpers.prepare(setup, document) == "mapped"
    Document.objects.filter(pk=documents[0].pk).update(state="posting")  # another worker's claim
    outcome = documents_post(flow=setup.flow, document_ids=[d.pk for d in documents])
    assert outcome.per_document[documents[0].pk][0] == "duplicate"
    assert outcome.posted == 2 and outcome.duplicates == 1
    assert setup.count("account.move", [["ref", "=", documents[0].idempotency_key]]) == 0


def test_a_run_gives_its_correlation_id_back_when_it_ends(posting_setup):
    # A worker runs many tasks in one process: the next one must not log or ledger under this run's id.
    from apps.sync.services.runs import sync_run_create, sync_run_execute
    from integration_console.logs import correlation_id

    setup = posting_setup(17)
    reports(setup, "R-CORR", 1)
    run = sync_run_create(flow=setup.flow, trigger="manual", actor="test")  # its own new correlation id
    token = correlation_id.set("the-previous-task")
    try:
        run = sync_run_execute(run_id=run.pk)
        assert run.posted == 1 and run.correlation_id != "the-previous-task"
        assert correlation_id.get() == "the-previous-task"
        assert LedgerEntry.objects.filter(correlation_id=run.correlation_id, kind="sync_run.finished").exists()
    finally:
        correlation_id.reset(token)
