"""verify_ledger finds the first broken sequence and says why; anchors catch a recomputed chain."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from apps.ledger import chain, triggers
from apps.ledger.anchoring import ledger_anchor
from apps.ledger.models import LedgerEntry
from apps.ledger.services import ledger_append
from apps.ledger.verification import verify_chain

pytestmark = pytest.mark.django_db
LATER = dt.datetime.now(dt.UTC) + dt.timedelta(days=401)


@pytest.fixture
def ten():
    return [ledger_append(kind=f"k.{i}", direction="inbound", payload={"i": i}, source_id=f"S{i}") for i in range(10)]


def tamper(sql, params=()):
    """What an attacker with DDL rights does: drop the triggers, edit, (rolled back with the test)."""
    triggers.uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def run_verify(*args):
    """(exit code, stdout, stderr) of `manage.py verify_ledger`."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("verify_ledger", *args, "--no-record", stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_intact_chain_verifies_with_count_and_head_hash(ten):
    code, out, _ = run_verify()
    assert code == 0
    assert "OK 10 entries" in out and ten[-1].hash in out


def test_empty_ledger_verifies():
    assert verify_chain().ok


def test_row_edited_with_the_trigger_dropped_is_found_at_its_sequence(ten):
    tamper("UPDATE ledger_ledgerentry SET source_id = 'FORGED' WHERE sequence = 7")
    code, _, err = run_verify()
    assert code == 1
    assert "BROKEN at sequence 7: content changed" in err


def test_edited_payload_is_found_at_its_sequence(ten):
    tamper("UPDATE ledger_ledgerpayload SET body = '{\"i\":999}' WHERE sequence = 4")
    result = verify_chain()
    assert (result.ok, result.broken_sequence, result.problem) == (False, 4, "content changed")


def test_deleted_entry_is_reported_missing(ten):
    tamper("DELETE FROM ledger_ledgerpayload WHERE sequence = 5; ")
    tamper("DELETE FROM ledger_ledgerentry WHERE sequence = 5")
    result = verify_chain()
    assert (result.broken_sequence, result.problem) == (5, "entry missing")


def test_deleted_payload_without_archive_is_reported(ten):
    tamper("DELETE FROM ledger_ledgerpayload WHERE sequence = 3")
    result = verify_chain()
    assert (result.broken_sequence, result.problem) == (3, "payload missing")


def test_swapped_entries_are_reported_as_order_changed(ten):
    tamper("UPDATE ledger_ledgerentry SET sequence = 1000006 WHERE sequence = 6")
    tamper("UPDATE ledger_ledgerentry SET sequence = 6 WHERE sequence = 5")
    tamper("UPDATE ledger_ledgerentry SET sequence = 5 WHERE sequence = 1000006")
    result = verify_chain()
    assert (result.broken_sequence, result.problem) == (5, "order changed")


def test_verification_from_a_sequence_checks_only_the_rest(ten):
    tamper("UPDATE ledger_ledgerentry SET kind = 'forged' WHERE sequence = 2")
    assert verify_chain(from_sequence=3).ok
    assert verify_chain(from_sequence=3).count == 8
    code, _, err = run_verify("--from", "1")
    assert code == 1 and "sequence 2" in err


def _recompute_chain_from(sequence):
    """A thorough attacker: after editing, rewrite every later hash so the chain verifies on its own."""
    rows = LedgerEntry.objects.filter(sequence__gte=sequence).order_by("sequence")
    previous = LedgerEntry.objects.get(sequence=sequence - 1).hash
    with connection.cursor() as cursor:
        for entry in rows:
            fields = {**entry.__dict__, "previous_hash": previous}
            previous = chain.entry_hash(fields)
            cursor.execute(
                "UPDATE ledger_ledgerentry SET previous_hash = %s, hash = %s WHERE sequence = %s",
                [fields["previous_hash"], previous, entry.sequence],
            )


def test_recomputed_chain_passes_alone_but_fails_against_the_anchors(ten, settings, tmp_path):
    settings.LEDGER_ANCHOR_DIR = tmp_path
    anchors = tmp_path / "anchors.jsonl"
    anchors.write_text(json.dumps({"sequence": 8, "hash": ten[7].hash, "anchored_at": "yesterday"}) + "\n")
    tamper("UPDATE ledger_ledgerentry SET source_id = 'FORGED' WHERE sequence = 3")
    _recompute_chain_from(3)
    assert verify_chain().ok
    code, _, err = run_verify("--anchors", str(anchors))
    assert code == 1 and "BROKEN at sequence 8: anchor mismatch" in err


def test_anchor_entry_is_exported_after_commit_and_verifies(
    ten, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.LEDGER_ANCHOR_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        entry = ledger_anchor()
    line = json.loads((tmp_path / "anchors.jsonl").read_text())
    assert (line["sequence"], line["hash"], line["anchor_entry"]) == (10, ten[-1].hash, entry.sequence)
    code, out, _ = run_verify("--anchors", str(tmp_path / "anchors.jsonl"))
    assert code == 0 and "1 anchors match" in out


def test_unreadable_anchors_file_is_a_clear_error(ten, tmp_path):
    bad = tmp_path / "anchors.jsonl"
    bad.write_text("not json\n")
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="line 1"):
        call_command("verify_ledger", "--anchors", str(bad))


def test_verification_result_is_recorded_as_a_ledger_entry(ten):
    call_command("verify_ledger", stdout=io.StringIO())
    recorded = LedgerEntry.objects.get(kind="ledger.verified")
    assert recorded.outcome == "ok" and json.loads(recorded.payload_row.body)["head_sequence"] == 10


def test_chunked_pass_with_prefetch_finds_a_break_past_the_first_chunk(ten, monkeypatch):
    from apps.ledger import verification

    monkeypatch.setattr(verification, "CHUNK", 3)  # 4 chunks: exercises the prefetching reader on PostgreSQL
    assert verify_chain().ok and verify_chain().count == 10
    tamper("UPDATE ledger_ledgerentry SET target_id = 'X' WHERE sequence = 8")
    result = verify_chain()
    assert (result.broken_sequence, result.problem, result.count) == (8, "content changed", 7)


@pytest.mark.django_db(transaction=True)
def test_parallel_verification_over_segments_finds_the_same_first_break(monkeypatch, settings, tmp_path):
    from apps.ledger import verification
    from apps.ledger.retention import ledger_payloads_archive

    if connection.vendor != "postgresql":
        pytest.skip("verification forks one process per core on PostgreSQL only")
    monkeypatch.setattr(verification, "PARALLEL_FROM", 1)
    monkeypatch.setattr(verification, "WORKERS", 3)  # segments #1–9, #10–18, #19–25
    monkeypatch.setattr(verification, "CHUNK", 4)
    settings.LEDGER_ARCHIVE_DIR = tmp_path
    for i in range(12):
        ledger_append(kind=f"k.{i}", direction="inbound", payload={"i": i})
    ledger_payloads_archive(now=LATER)  # #1–#12 archived by summary #13, in the second segment
    for i in range(12):
        ledger_append(kind=f"k.late.{i}", direction="inbound", payload={"i": i})
    result = verify_chain()
    assert result.ok and result.count == 25 and result.head_sequence == 25
    with connection.cursor() as cursor:
        triggers.uninstall(connection)
        cursor.execute("UPDATE ledger_ledgerentry SET kind = 'forged' WHERE sequence IN (20, 22)")
        triggers.install(connection)
    result = verify_chain()
    assert (result.broken_sequence, result.problem, result.count) == (20, "content changed", 19)


def test_fields_holding_the_packing_separator_verify_and_later_breaks_are_still_found(ten, monkeypatch):
    """Rows are read packed with \\x1f between fields; a field holding it is re-read column by column."""
    from apps.ledger import verification

    column_reads = []
    fetch = verification._fetch
    monkeypatch.setattr(verification, "_fetch", lambda *args: column_reads.append(args[2:]) or fetch(*args))
    odd = ledger_append(kind="k.sep", direction="inbound", source_id="A\x1fB", payload={"note": "x\x1fy"})
    later = [ledger_append(kind=f"k.after.{i}", direction="inbound", payload={"i": i}) for i in range(3)]
    result = verify_chain()
    assert result.ok and result.head_sequence == later[-1].sequence and odd.sequence == 11
    assert column_reads == [(11, 15)]  # only the rest of the chunk from the odd row on
    tamper("UPDATE ledger_ledgerpayload SET body = '{\"i\":7}' WHERE sequence = %s", [later[1].sequence])
    result = verify_chain()
    assert (result.broken_sequence, result.problem) == (later[1].sequence, "content changed")
