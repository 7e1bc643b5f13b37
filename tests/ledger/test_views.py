"""The auditor's ledger browser: filters, keyset pages, detail + lineage, CSV export, evidence pack, scope."""

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.ledger.models import LedgerEntry
from apps.ledger.operations import ledger_verify
from apps.ledger.services import ledger_append

pytestmark = pytest.mark.django_db
INDEX = reverse("ledger:index")


@pytest.fixture
def journey():
    """One expense report's life (FR, via expensify → odoo), plus unrelated DE and internal entries."""
    doc = {"document": "EXP-FR-1", "entity": "FR", "correlation_id": "run1"}
    steps = [
        ledger_append(
            kind="expense_report.received",
            direction="inbound",
            connector="expensify",
            **doc,
            source_system="expensify",
            source_id="R-1",
            payload={"total": "12.50"},
        ),
        ledger_append(kind="expense_report.mapped", direction="internal", **doc),
        ledger_append(
            kind="journal_entry.posted",
            direction="outbound",
            connector="odoo-fr",
            **doc,
            target_model="account.move",
            target_id="4711",
        ),
        ledger_append(kind="journal_entry.confirmed", direction="inbound", connector="odoo-fr", **doc),
        ledger_append(kind="report.published", direction="outbound", **doc),
    ]
    other = ledger_append(
        kind="expense_report.received",
        direction="inbound",
        entity="DE",
        document="EXP-DE-1",
        payload={"total": '=HYPERLINK("http://evil")'},
        source_id="-2+3",
    )
    return {"steps": steps, "de": other}


def test_auditor_sees_every_entry_with_the_verification_badge(client_for, auditor, journey):
    page = client_for(auditor).get(INDEX)
    assert page.status_code == 200
    assert page.context["page"].entries[0].sequence == 6 and len(page.context["page"].entries) == 6
    assert "never verified" in page.text


def test_badge_shows_intact_then_broken(client_for, auditor, journey):
    ledger_verify()
    assert "intact" in client_for(auditor).get(INDEX).text
    from apps.ledger import triggers

    triggers.uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_ledgerentry SET kind = 'forged' WHERE sequence = 2")
    ledger_verify()
    assert "broken at #2" in client_for(auditor).get(INDEX).text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "journal_entry.posted"}, [3]),
        ({"direction": "outbound"}, [5, 3]),
        ({"entity": "DE"}, [6]),
        ({"connector": "odoo-fr"}, [4, 3]),
        ({"source_id": "R-1"}, [1]),
        ({"target_id": "4711"}, [3]),
        ({"correlation_id": "run1", "outcome": "ok"}, [5, 4, 3, 2, 1]),
        ({"actor": "system", "kind": "report.published"}, [5]),
        ({"date_from": "2000-01-01", "date_to": "2000-01-02"}, []),
        ({"date_from": "2000-01-01"}, [6, 5, 4, 3, 2, 1]),
    ],
)
def test_filters_narrow_the_list(client_for, auditor, journey, query, expected):
    page = client_for(auditor).get(INDEX, query).context["page"]
    assert [e.sequence for e in page.entries] == expected


def test_invalid_filter_is_a_field_error_not_a_crash(client_for, auditor, journey):
    response = client_for(auditor).get(INDEX, {"date_from": "2026-02-02", "date_to": "2026-01-01", "before": "x"})
    assert response.status_code == 200 and "before the start date" in response.text


def test_keyset_pages_walk_the_chain_without_offset_and_with_constant_queries(client_for, auditor):
    for i in range(120):
        ledger_append(kind="k.bulk", direction="internal", payload={"i": i})
    client = client_for(auditor)
    with CaptureQueriesContext(connection) as first:
        page1 = client.get(INDEX).context["page"]
    with CaptureQueriesContext(connection) as third:
        page3 = client.get(INDEX, {"before": 21}).context["page"]
    assert [e.sequence for e in page1.entries][:2] == [120, 119] and page1.older == 71
    assert [e.sequence for e in page3.entries] == list(range(20, 0, -1)) and page3.older is None
    newer = client.get(INDEX, {"after": 20}).context["page"]
    assert [e.sequence for e in newer.entries] == list(range(70, 20, -1)) and newer.newer == 70
    assert len(first) == len(third)
    assert not any("OFFSET" in q["sql"].upper() for q in first.captured_queries + third.captured_queries)


def test_detail_shows_escaped_payload_hashes_and_lineage_in_order(client_for, auditor, journey):
    entry = ledger_append(
        kind="journal_entry.failed",
        direction="outbound",
        document="EXP-FR-1",
        entity="FR",
        outcome="failed",
        payload={"note": "<script>alert(1)</script>"},
    )
    response = client_for(auditor).get(reverse("ledger:entry_detail", args=[entry.sequence]))
    assert response.status_code == 200
    assert "&lt;script&gt;" in response.text and "<script>alert" not in response.text
    assert entry.hash in response.text and entry.previous_hash in response.text
    lineage = [e.kind for e in response.context["lineage"]]
    assert lineage == [
        "expense_report.received",
        "expense_report.mapped",
        "journal_entry.posted",
        "journal_entry.confirmed",
        "report.published",
        "journal_entry.failed",
    ]


def test_finance_controller_sees_only_entries_of_their_entities(client_for, controller, journey):
    client = client_for(controller)
    assert {e.entity for e in client.get(INDEX).context["page"].entries} == {"FR"}
    assert client.get(reverse("ledger:entry_detail", args=[journey["de"].sequence])).status_code == 404


def test_it_admin_sees_transport_internal_and_audit_entries_only(client_for, it_admin, journey):
    ledger_append(kind="connector.changed", direction="audit", actor=it_admin)
    ledger_append(kind="report.note", direction="outbound", entity="FR")  # business, no connector
    seen = [e.kind for e in client_for(it_admin).get(INDEX).context["page"].entries]
    assert seen == [
        "connector.changed",
        "journal_entry.confirmed",
        "journal_entry.posted",
        "expense_report.mapped",
        "expense_report.received",
    ]


def _csv(response):
    assert response.streaming
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_export_streams_the_filtered_view_with_formula_safe_cells(client_for, auditor, journey):
    rows = _csv(client_for(auditor).get(reverse("ledger:export_csv"), {"entity": "DE"}))
    header, [row] = rows[0], rows[1:]
    assert header[0] == "sequence" and header[-1] == "payload"
    record = dict(zip(header, row, strict=True))
    assert record["source_id"] == "'-2+3"
    assert record["payload"].startswith("{")  # JSON starts with a brace, harmless
    assert "'=HYPERLINK" not in record["payload"] and record["kind"] == "expense_report.received"


def test_csv_export_of_a_controller_holds_only_their_entities(client_for, controller, journey):
    rows = _csv(client_for(controller).get(reverse("ledger:export_csv")))
    assert {row[5] for row in rows[1:]} == {"FR"}


def test_evidence_pack_zip_has_entries_verification_anchors_and_a_true_manifest(
    client_for, auditor, journey, settings, tmp_path
):
    settings.LEDGER_ANCHOR_DIR = tmp_path
    (tmp_path / "anchors.jsonl").write_text(json.dumps({"sequence": 3, "hash": journey["steps"][2].hash}) + "\n")
    response = client_for(auditor).get(
        reverse("ledger:evidence_pack"), {"date_from": "2000-01-01", "date_to": "2999-12-31"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    pack = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert set(pack.namelist()) == {
        "entries.csv",
        "verification.json",
        "anchors.jsonl",
        "README.txt",
        "MANIFEST.sha256",
    }
    for line in pack.read("MANIFEST.sha256").decode().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256(pack.read(name)).hexdigest() == digest
    verification = json.loads(pack.read("verification.json"))
    assert verification["ok"] and verification["anchors_checked"] == 1
    assert len(pack.read("entries.csv").decode().splitlines()) == 1 + 6


def test_evidence_pack_without_a_period_shows_the_form(client_for, auditor):
    response = client_for(auditor).get(reverse("ledger:evidence_pack"), {"date_from": "2026-01-01"})
    assert response.status_code == 200 and "Choose the first and last day" in response.text


@pytest.mark.parametrize("name", ["ledger:index", "ledger:export_csv", "ledger:evidence_pack"])
def test_auditor_cannot_change_anything_through_the_pages(client_for, auditor, journey, name):
    assert client_for(auditor).post(reverse(name), {"kind": "x"}).status_code == 405
    assert LedgerEntry.objects.count() == 6
