"""ledger_append / audit_record: the one writer, its chain, its redaction, its transaction semantics."""

import itertools

import pytest
from django.db import connection, transaction

from apps.ledger import chain
from apps.ledger.models import LedgerEntry, LedgerPayload
from apps.ledger.redaction import REDACTED
from apps.ledger.services import LedgerError, audit_record, ledger_append, ledger_append_many, model_changes
from integration_console.logs import correlation_id

pytestmark = pytest.mark.django_db


def test_first_entry_starts_the_chain_at_one_after_genesis():
    entry = ledger_append(kind="expense_report.received", direction="inbound")
    assert entry.sequence == 1
    assert entry.previous_hash == chain.GENESIS_HASH


def test_each_entry_links_to_the_previous_hash_without_gaps():
    entries = [ledger_append(kind="k.x", direction="internal", payload={"i": i}) for i in range(5)]
    assert [e.sequence for e in entries] == [1, 2, 3, 4, 5]
    for previous, entry in itertools.pairwise(entries):
        assert entry.previous_hash == previous.hash


def test_stored_hash_is_recomputable_from_the_stored_row():
    ledger_append(kind="journal_entry.posted", direction="outbound", target_model="account.move", target_id=4711)
    stored = LedgerEntry.objects.get(sequence=1)
    assert chain.entry_hash(stored.__dict__) == stored.hash
    assert stored.target_id == "4711"


def test_payload_digest_is_sha256_of_the_stored_canonical_text():
    entry = ledger_append(kind="k.x", direction="inbound", payload={"b": 2, "a": "é"})
    body = LedgerPayload.objects.get(entry=entry).body
    assert body == '{"a":"é","b":2}'
    assert entry.payload_digest == chain.digest(body)


def test_entry_without_payload_stores_no_payload_row_and_the_empty_digest():
    entry = ledger_append(kind="k.x", direction="internal")
    assert entry.payload_digest == chain.EMPTY_PAYLOAD_DIGEST
    assert not LedgerPayload.objects.filter(entry=entry).exists()


def test_secrets_in_payloads_never_reach_the_table():
    ledger_append(
        kind="webhook.received",
        direction="inbound",
        payload={
            "headers": {"Authorization": "Bearer s3cr3t-value-123", "X-Api-Key": "k-123456"},
            "credential": {"password": "hunter2hunter2"},
            "items": [{"client_secret": "abc"}, {"note": "Basic dXNlcjpwYXNzd29yZA=="}],
        },
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM ledger_ledgerpayload")
        stored = cursor.fetchone()[0]
    for secret in ("s3cr3t-value-123", "k-123456", "hunter2hunter2", "abc", "dXNlcjpwYXNzd29yZA"):
        assert secret not in stored
    assert REDACTED in stored


def test_actor_is_stored_as_user_service_or_system(controller):
    by_user = ledger_append(kind="k.x", direction="audit", actor=controller)
    by_service = ledger_append(kind="k.x", direction="internal", actor="worker")
    by_system = ledger_append(kind="k.x", direction="internal")
    assert (by_user.actor_type, by_user.actor_id, by_user.actor_name) == ("user", str(controller.pk), "controller")
    assert (by_service.actor_type, by_service.actor_name) == ("service", "worker")
    assert (by_system.actor_type, by_system.actor_name) == ("system", "system")


def test_correlation_id_defaults_to_the_current_request_or_run():
    token = correlation_id.set("run42")
    try:
        entry = ledger_append(kind="k.x", direction="internal")
    finally:
        correlation_id.reset(token)
    assert entry.correlation_id == "run42"
    assert ledger_append(kind="k.x", direction="internal", correlation_id="abc").correlation_id == "abc"


def test_entry_rolls_back_with_the_callers_transaction():
    ledger_append(kind="k.kept", direction="internal")
    with pytest.raises(RuntimeError), transaction.atomic():
        ledger_append(kind="k.lost", direction="internal", payload={"x": 1})
        raise RuntimeError("the state change failed")
    after = ledger_append(kind="k.next", direction="internal")
    assert list(LedgerEntry.objects.values_list("kind", flat=True)) == ["k.next", "k.kept"]
    assert after.sequence == 2  # the rolled-back entry left no gap


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "", "direction": "inbound"},
        {"kind": "k", "direction": "sideways"},
        {"kind": "k", "direction": "audit", "outcome": "maybe"},
    ],
)
def test_invalid_entries_are_refused_and_nothing_is_written(bad):
    with pytest.raises(LedgerError):
        ledger_append(**bad)
    assert LedgerEntry.objects.count() == 0


def test_unserialisable_payload_is_a_ledger_error_not_a_crash():
    with pytest.raises(LedgerError, match="JSON"):
        ledger_append(kind="k", direction="inbound", payload={"x": object()})


def test_append_many_writes_a_batch_in_order_with_one_chain():
    entries = ledger_append_many([{"kind": f"k.{i}", "direction": "inbound", "payload": {"i": i}} for i in range(50)])
    assert [e.sequence for e in entries] == list(range(1, 51))
    assert LedgerPayload.objects.count() == 50


def test_audit_record_stores_the_field_diff_with_secrets_redacted(entities, controller):
    fr = entities["FR"]
    entry = audit_record(
        actor=controller,
        action="changed",
        obj=fr,
        changes={"name": ["Old", "New"], "api_token": ["t-1", "t-2"]},
        reason="renamed after merger",
    )
    body = LedgerPayload.objects.get(entry=entry).body
    assert entry.kind == "legalentity.changed" and entry.direction == "audit"
    assert entry.entity == "FR" and entry.target_model == "entities.legalentity" and entry.target_id == str(fr.pk)
    assert entry.reason == "renamed after merger"
    assert '"name":["Old","New"]' in body and "t-1" not in body and "t-2" not in body


def test_model_changes_lists_only_changed_fields():
    assert model_changes({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {"b": [2, 3], "c": [None, 4]}
