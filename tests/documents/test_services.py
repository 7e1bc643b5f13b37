"""Intake and the state machine: idempotent receive, revisions, transitions, compare-and-set claims."""

import sys
import threading
from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import connection, connections

from apps.access.permissions import AccessDenied
from apps.documents.errors import IllegalTransition, StaleDocument, UnknownEntity
from apps.documents.models import Document
from apps.documents.normalize import normalize_canonical
from apps.documents.services import (
    document_claim,
    document_intake,
    document_intake_store,
    document_receive,
    document_transition,
)
from apps.documents.states import DocumentState as S
from apps.documents.states import transition_allowed
from tests.documents.examples import line_of, minimal_report, rich_report

ACTOR = "webhook:demo-platform"


@pytest.fixture(autouse=True, params=["receive", "intake"])
def receive_by(request, monkeypatch):
    """Every receive test runs through document_receive and through the webhook's document_intake +
    document_intake_store (built before the transaction, a guarded insert for a first delivery): same results."""
    monkeypatch.setattr(sys.modules[__name__], "RECEIVE_BY", request.param)


RECEIVE_BY = "receive"


def receive(data=None, *, actor=ACTOR, raw=None, **kwargs):
    data = data or minimal_report()
    arguments = {"canonical": normalize_canonical(data), "connector_slug": "demo-platform",
                 "source_system": "generic", "raw_payload": raw or data, "actor": actor, **kwargs}  # fmt: skip
    if RECEIVE_BY == "intake" and not kwargs.get("revision_from_content"):
        return document_intake_store(document_intake(**arguments))
    return document_receive(**arguments)


@pytest.fixture
def received(entities):
    return receive()[0]


def test_receive_stores_the_document_its_lines_and_the_raw_message(entities, ledger_of):
    document, created = receive(rich_report())
    assert created and document.state == S.RECEIVED
    assert document.idempotency_key == "demo-platform:expense_report:R-2002:2"
    document.refresh_from_db()
    assert (document.entity.code, document.currency, document.total, document.line_count) == (
        "DE",
        "EUR",
        Decimal("363.60"),
        4,
    )
    assert list(document.lines.values_list("line_id", "category")) == [
        ("1", "MILEAGE"),
        ("2", "PER_DIEM"),
        ("3", "HOTEL"),
        ("4", "TAXI"),
    ]
    assert document.canonical_document == normalize_canonical(rich_report())
    [(kind, outcome, payload)] = ledger_of(document.idempotency_key)
    assert (kind, outcome, payload["raw"]["id"]) == ("document.received", "ok", "R-2002")


def test_same_delivery_three_times_makes_one_document_and_two_duplicate_entries(entities, ledger_of):
    results = [receive() for _ in range(3)]
    assert [created for _, created in results] == [True, False, False]
    assert len({document.pk for document, _ in results}) == 1 and Document.objects.count() == 1
    outcomes = [outcome for _, outcome, _ in ledger_of(results[0][0].idempotency_key)]
    assert outcomes == ["ok", "duplicate", "duplicate"]


def test_duplicate_with_different_content_is_flagged_not_applied(received, ledger_of):
    document, created = receive(line_of(minimal_report(), amount="99.00"))
    assert not created and document.pk == received.pk
    assert document.lines.get().amount == received.lines.get().amount
    _, outcome, payload = ledger_of(received.idempotency_key)[-1]
    assert outcome == "duplicate" and payload["content_differs"] is True


def test_secrets_in_the_raw_message_are_redacted_in_the_ledger(entities, ledger_of):
    document, _ = receive(
        raw={
            "document": minimal_report(),
            "api_key": "sk_live_123",
            "headers": {"Authorization": "Bearer abcdefghijkl"},
        }
    )
    [(_, _, payload)] = ledger_of(document.idempotency_key)
    assert payload["raw"]["api_key"] == "[redacted]" and payload["raw"]["headers"]["Authorization"] == "[redacted]"
    assert "sk_live_123" not in str(payload)


def test_new_revision_is_a_new_document_linked_to_the_previous_one(received):
    second, created = receive(minimal_report(revision=2))
    assert created and second.previous_revision_id == received.pk and second.source_revision == 2


def test_new_revision_voids_a_previous_revision_that_has_not_started_posting(received, ledger_of):
    receive(minimal_report(revision=2))
    received.refresh_from_db()
    assert received.state == S.REJECTED and received.state_reason == "Superseded by revision 2."
    assert ledger_of(received.idempotency_key)[-1][:2] == ("document.rejected", "rejected")


def test_new_revision_leaves_a_posted_previous_revision_for_the_pipeline_to_reverse(received):
    Document.objects.filter(pk=received.pk).update(state=S.POSTED)
    second, _ = receive(minimal_report(revision=2))
    received.refresh_from_db()
    assert received.state == S.POSTED and second.previous_revision_id == received.pk


def test_older_revision_arriving_late_is_kept_but_rejected(entities):
    newer, _ = receive(minimal_report(revision=3))
    older, created = receive(minimal_report(revision=2))
    assert created and older.state == S.REJECTED
    assert older.state_reason == "Revision 3 of this document was already received; this older revision is void."
    newer.refresh_from_db()
    assert newer.state == S.RECEIVED


def test_revision_from_content_treats_unchanged_content_as_duplicate_and_changes_as_next_revision(entities):
    first, _ = receive(revision_from_content=True)
    again, created = receive(revision_from_content=True)
    assert not created and again.pk == first.pk
    changed, created = receive(line_of(minimal_report(), amount="43.00"), revision_from_content=True)
    assert created and changed.source_revision == 2 and changed.previous_revision_id == first.pk


def test_unknown_entity_is_refused_and_nothing_is_stored(entities):
    with pytest.raises(UnknownEntity) as caught:
        receive(minimal_report(entity="XX"))
    assert caught.value.errors == [("entity", "'XX' is not a legal entity known to the console")]
    assert Document.objects.count() == 0


def test_user_needs_import_permission_and_the_entity_in_scope(controller, outsider):
    with pytest.raises(AccessDenied):
        receive(actor=outsider)
    with pytest.raises(UnknownEntity, match="You may not import documents for entity DE"):
        receive(minimal_report(entity="DE"), actor=controller)
    assert receive(actor=controller)[1] is True


# --- state machine ---------------------------------------------------------------------------------------


def test_happy_path_walks_every_state_with_a_ledger_entry_each(received, ledger_of):
    for state in (S.VALIDATED, S.MAPPED, S.POSTING, S.POSTED, S.CONFIRMED, S.PUBLISHED):
        kwargs = {"odoo_model": "account.move", "odoo_ids": [41]} if state == S.POSTED else {}
        document_transition(received, state, actor="worker", **kwargs)
    received.refresh_from_db()
    assert received.state == S.PUBLISHED and received.posted_at is not None and received.odoo_ids == [41]
    kinds = [kind for kind, _, _ in ledger_of(received.idempotency_key)]
    assert kinds == [
        "document.received",
        "document.validated",
        "document.mapped",
        "document.posting",
        "document.posted",
        "document.confirmed",
        "document.published",
    ]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (S.RECEIVED, S.POSTED),
        (S.RECEIVED, S.MAPPED),
        (S.PUBLISHED, S.HELD),
        (S.REJECTED, S.RECEIVED),
        (S.POSTED, S.POSTING),
    ],
)
def test_illegal_transition_is_refused_and_writes_nothing(received, ledger_of, start, target):
    Document.objects.filter(pk=received.pk).update(state=start)
    received.refresh_from_db()
    before = len(ledger_of(received.idempotency_key))
    with pytest.raises(IllegalTransition):
        document_transition(received, target, actor="worker")
    received.refresh_from_db()
    assert received.state == start and len(ledger_of(received.idempotency_key)) == before


def test_transition_from_a_stale_copy_is_refused(received):
    other = Document.objects.get(pk=received.pk)
    document_transition(other, S.VALIDATED, actor="worker-1")
    with pytest.raises(StaleDocument):
        document_transition(received, S.VALIDATED, actor="worker-2")


def test_held_document_records_why_and_is_re_driven_only_from_its_failed_stage(received):
    document_transition(received, S.VALIDATED, actor="worker")
    document_transition(received, S.MAPPED, actor="worker")
    document_transition(received, S.HELD, actor="worker", reason="Unknown tax code FR-99", failed_stage="post")
    received.refresh_from_db()
    assert (received.state_reason, received.failed_stage) == ("Unknown tax code FR-99", "post")
    with pytest.raises(IllegalTransition, match="it failed at post"):
        document_transition(received, S.VALIDATED, actor="controller")
    document_transition(received, S.MAPPED, actor="controller")
    received.refresh_from_db()
    assert (received.state, received.state_reason, received.failed_stage) == (S.MAPPED, "", "")


def test_transition_table_has_no_way_out_of_published_or_rejected():
    assert not any(transition_allowed(S.PUBLISHED, to) for to in S)
    assert not any(transition_allowed(S.REJECTED, to) for to in S)
    assert transition_allowed(S.POSTING, S.MAPPED)  # a transient failure releases the claim


def test_claim_succeeds_once_and_counts_the_attempt(received, ledger_of):
    document_transition(received, S.VALIDATED, actor="worker")
    document_transition(received, S.MAPPED, actor="worker")
    assert document_claim(received.pk, S.MAPPED, S.POSTING) is True
    assert document_claim(received.pk, S.MAPPED, S.POSTING) is False
    received.refresh_from_db()
    assert received.state == S.POSTING and received.attempts == 1
    assert [k for k, _, _ in ledger_of(received.idempotency_key)].count("document.posting") == 1


def test_claim_of_a_forbidden_pair_raises(received):
    with pytest.raises(IllegalTransition):
        document_claim(received.pk, S.RECEIVED, S.POSTED)


def _claim(document_id, barrier, results):
    try:
        barrier.wait(timeout=5)
        results.append(document_claim(document_id, S.MAPPED, S.POSTING))
    finally:
        connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_workers_claim_a_document_exactly_once(entities):
    if connection.vendor != "postgresql":  # the PostgreSQL pass of the suite runs it (run_tests --require-postgres)
        pytest.skip("claims race only on a real server")
    for round_no in range(5):
        document, _ = receive(minimal_report(id=f"R-race-{round_no}"))
        Document.objects.filter(pk=document.pk).update(state=S.MAPPED)
        barrier, results = threading.Barrier(2), []
        threads = [threading.Thread(target=_claim, args=(document.pk, barrier, results)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert sorted(results) == [False, True]
        assert Document.objects.get(pk=document.pk).attempts == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_the_same_document_store_it_once(entities):
    if connection.vendor != "postgresql":
        pytest.skip("insert race only on a real server")
    barrier, results, errors = threading.Barrier(3), [], []
    canonical = normalize_canonical(minimal_report())

    def deliver():
        try:
            barrier.wait(timeout=5)
            arguments = {"canonical": replace(canonical), "connector_slug": "demo-platform",
                         "source_system": "generic", "raw_payload": {}, "actor": ACTOR}  # fmt: skip
            if RECEIVE_BY == "intake":
                results.append(document_intake_store(document_intake(**arguments))[1])
            else:
                results.append(document_receive(**arguments)[1])
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == [] and sorted(results) == [False, False, True]
    assert Document.objects.count() == 1
