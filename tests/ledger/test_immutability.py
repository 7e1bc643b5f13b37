"""Entries cannot be changed or removed: not by the ORM, not by raw SQL (database triggers), on both databases."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from apps.ledger.models import LedgerEntry, LedgerImmutableError, LedgerPayload
from apps.ledger.services import ledger_append

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    return ledger_append(kind="journal_entry.posted", direction="outbound", payload={"amount": "10.00"})


def _raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_saving_an_existing_entry_is_refused(entry):
    entry.kind = "journal_entry.forged"
    with pytest.raises(LedgerImmutableError):
        entry.save()


def test_creating_an_entry_outside_ledger_append_is_refused():
    with pytest.raises(LedgerImmutableError):
        LedgerEntry.objects.create(sequence=1, kind="forged", direction="inbound")
    with pytest.raises(LedgerImmutableError):
        LedgerEntry.objects.bulk_create([LedgerEntry(sequence=1)])


def test_queryset_update_and_delete_are_refused(entry):
    with pytest.raises(LedgerImmutableError):
        LedgerEntry.objects.filter(pk=entry.pk).update(kind="forged")
    with pytest.raises(LedgerImmutableError):
        LedgerEntry.objects.all().delete()
    with pytest.raises(LedgerImmutableError):
        entry.delete()
    with pytest.raises(LedgerImmutableError):
        LedgerPayload.objects.all().delete()


def test_raw_sql_update_of_an_entry_is_refused_by_the_database(entry):
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE ledger_ledgerentry SET kind = %s WHERE sequence = %s", ["forged", entry.sequence])
    assert LedgerEntry.objects.get(pk=entry.pk).kind == "journal_entry.posted"


def test_raw_sql_delete_of_an_entry_is_refused_by_the_database(entry):
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM ledger_ledgerentry WHERE sequence = %s", [entry.sequence])
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_raw_sql_update_or_delete_of_a_payload_is_refused_by_the_database(entry):
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE ledger_ledgerpayload SET body = '{}'")
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM ledger_ledgerpayload")
    assert LedgerPayload.objects.count() == 1


def test_truncate_is_refused_on_postgresql(entry):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("SET CONSTRAINTS ALL IMMEDIATE; TRUNCATE ledger_ledgerentry CASCADE")


def test_flush_outside_a_test_environment_cannot_empty_the_ledger(entry, monkeypatch):
    from apps.ledger.management.commands import flush

    monkeypatch.setattr(flush, "_in_test_environment", lambda: False)
    with pytest.raises(CommandError):
        call_command("flush", interactive=False, verbosity=0)


def test_test_runs_can_still_flush_between_transactional_tests():
    ledger_append(kind="k.x", direction="internal", payload={"x": 1})
    if connection.vendor == "postgresql":  # inside the test's transaction: settle the deferred FK checks first
        _raw("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)  # rolled back with the test
    assert LedgerEntry.objects.count() == 0
    with pytest.raises(DatabaseError, match="append-only"):  # and the triggers are back afterwards
        ledger_append(kind="k.y", direction="internal")
        _raw("DELETE FROM ledger_ledgerentry")
