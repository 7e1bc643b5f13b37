"""Retention archives old payloads to files without updating any entry, and verification still holds."""

import datetime as dt
import hashlib
import json

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from apps.ledger import chain
from apps.ledger.models import LedgerArchivedPayload, LedgerPayload
from apps.ledger.retention import archived_payload, ledger_payloads_archive
from apps.ledger.services import ledger_append
from apps.ledger.verification import verify_chain

pytestmark = pytest.mark.django_db
LATER = timezone.now() + dt.timedelta(days=401)


@pytest.fixture(autouse=True)
def archive_dir(settings, tmp_path):
    settings.LEDGER_ARCHIVE_DIR = tmp_path
    return tmp_path


@pytest.fixture
def mixed():
    inbound = [ledger_append(kind="expense_report.received", direction="inbound", payload={"n": i}) for i in range(3)]
    audit = ledger_append(kind="mappingrule.changed", direction="audit", payload={"changes": {"a": [1, 2]}})
    return inbound, audit


def test_payloads_past_retention_move_to_a_file_and_the_chain_still_verifies(mixed, archive_dir):
    inbound, audit = mixed
    [summary] = ledger_payloads_archive(now=LATER)
    assert not LedgerPayload.objects.filter(entry__in=inbound).exists()
    assert LedgerPayload.objects.filter(entry=audit).exists()  # audit payloads are kept forever by default
    assert verify_chain().ok
    listed = json.loads(LedgerPayload.objects.get(entry=summary).body)
    assert listed["entries"] == [[e.sequence, e.payload_digest] for e in inbound]
    data = (archive_dir / listed["archive_file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == listed["archive_sha256"]
    for line in data.decode().splitlines():
        record = json.loads(line)
        assert chain.digest(record["body"]) == record["payload_digest"]


def test_archived_payload_can_still_be_read_back(mixed):
    inbound, _ = mixed
    ledger_payloads_archive(now=LATER)
    body, where = archived_payload(inbound[1].sequence)
    assert json.loads(body) == {"n": 1} and where.startswith("payloads-")


def test_archiving_twice_archives_nothing_more(mixed):
    ledger_payloads_archive(now=LATER)
    assert ledger_payloads_archive(now=LATER) == []


def test_nothing_is_due_before_its_retention(mixed):
    assert ledger_payloads_archive(now=timezone.now()) == []


def test_database_refuses_to_delete_a_payload_that_was_not_archived(mixed):
    inbound, _ = mixed
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_ledgerpayload WHERE sequence = %s", [inbound[0].sequence])


def test_tombstones_cannot_be_removed(mixed):
    ledger_payloads_archive(now=LATER)
    assert LedgerArchivedPayload.objects.count() == 3
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_ledgerarchivedpayload")


def test_a_payload_removed_behind_a_forged_tombstone_is_still_detected(mixed):
    inbound, _ = mixed
    with connection.cursor() as cursor:  # the tombstone alone does not satisfy verification: a summary must list it
        cursor.execute(
            "INSERT INTO ledger_ledgerarchivedpayload (sequence, summary_sequence, archive_file) VALUES (%s, 0, 'x')",
            [inbound[2].sequence],
        )
        cursor.execute("DELETE FROM ledger_ledgerpayload WHERE sequence = %s", [inbound[2].sequence])
    result = verify_chain()
    assert (result.broken_sequence, result.problem) == (inbound[2].sequence, "payload missing")
