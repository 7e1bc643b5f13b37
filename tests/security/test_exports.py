"""Every CSV/XLSX download neutralises formula injection: text starting with = + - @ (or a tab/CR) is prefixed
with an apostrophe, and no XLSX cell is ever a formula.

Values are stored through the real services; the downloads are fetched through their URLs (the reporting
extract, which reads the separate reporting store, goes through the same writer, tested directly).
"""

import csv
import io
import zipfile
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.mappings.conftest import approver  # noqa: F401  (fixture: FR second controller)
from tests.reporting.conftest import DATABASES as REPORTING_DATABASES
from tests.security.payloads import FORMULAS

pytestmark = pytest.mark.django_db
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def xlsx_cells(body: bytes) -> list:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(body))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_neutralised(cells: list, where: str) -> None:
    """No text cell starts like a formula (plain negative numbers aside); each FORMULAS value is there, prefixed."""
    texts = [cell.replace("\r", "\n") for cell in cells if isinstance(cell, str)]  # XLSX stores CR as LF
    dangerous = [cell for cell in texts if cell.startswith(DANGEROUS_STARTS) and not is_number(cell)]
    assert not dangerous, f"{where}: cells a spreadsheet would run as formulas: {dangerous}"
    for formula in FORMULAS:
        assert "'" + formula.replace("\r", "\n") in texts, (
            f"{where}: {formula!r} is missing from the export (not neutralised?)"
        )


def assert_xlsx_neutralised(body: bytes, where: str) -> None:
    cells = xlsx_cells(body)
    assert not [c.coordinate for c in cells if c.data_type == "f"], f"{where}: formula cells"
    assert_neutralised([c.value for c in cells], where)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def formula_entries(entities):
    from apps.ledger.services import ledger_append

    return [
        ledger_append(kind="expense_report.received", direction="inbound", entity="FR", connector="hooks",
                      source_id=formula, reason=formula, payload={"merchant": formula})
        for formula in FORMULAS
    ]  # fmt: skip


def test_ledger_csv_export_neutralises_formulas(client_for, auditor, formula_entries):
    response = client_for(auditor).get(reverse("ledger:export_csv"))
    assert response.status_code == 200
    assert_neutralised(csv_cells(_body(response).decode()), "ledger CSV")


def test_evidence_pack_entries_csv_neutralises_formulas(client_for, auditor, formula_entries):
    today = timezone.now().date().isoformat()
    response = client_for(auditor).get(reverse("ledger:evidence_pack"), {"date_from": today, "date_to": today})
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(_body(response))) as archive:
        entries = archive.read("entries.csv").decode()
    assert_neutralised(csv_cells(entries), "evidence pack entries.csv")


@pytest.fixture
def formula_version(entities, controller):
    from apps.mappings.services import mapping_draft_open, mapping_rule_add, mapping_set_create
    from tests.mappings.conftest import cache

    fr = entities["FR"]
    mapping_set = mapping_set_create(entity=fr, dimension="tax_code", name="Taxes", owner=controller, actor=controller)
    draft = mapping_draft_open(mapping_set=mapping_set, actor=controller)
    for n, formula in enumerate(FORMULAS, start=41):
        cache(fr, "taxes", n, formula, company=2, amount=20, amount_type="percent", type_tax_use="purchase")
        mapping_rule_add(
            version=draft, actor=controller, source_value=f"{formula}-{n}", target_model="account.tax", target_id=n,
            note=formula,
        )  # fmt: skip
    return draft


def test_mapping_csv_export_neutralises_formulas(client_for, controller, formula_version):
    url = reverse("mappings:version_export", kwargs={"pk": formula_version.pk})
    response = client_for(controller).get(url)
    assert response.status_code == 200
    assert_neutralised(csv_cells(response.content.decode("utf-8-sig")), "mapping CSV")


def test_mapping_xlsx_export_neutralises_formulas(client_for, controller, formula_version):
    url = reverse("mappings:version_export", kwargs={"pk": formula_version.pk})
    response = client_for(controller).get(url, {"format": "xlsx"})
    assert response.status_code == 200
    assert_xlsx_neutralised(response.content, "mapping XLSX")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_mapping_api_export_neutralises_formulas(client_for, controller, formula_version, fmt):
    url = reverse("mappings-api:version-export", kwargs={"pk": formula_version.pk})
    response = client_for(controller).get(url, {"format": fmt} if fmt == "xlsx" else {})
    assert response.status_code == 200
    if fmt == "csv":
        assert_neutralised(csv_cells(_body(response).decode("utf-8-sig")), "mapping API CSV")
    else:
        assert_xlsx_neutralised(_body(response), "mapping API XLSX")


@pytest.fixture
def formula_reconciliation(entities):
    from apps.reporting.models import ReconciliationDifference, ReconciliationRun

    run = ReconciliationRun.objects.create(
        entity=entities["FR"], period_start=date(2030, 1, 1), period_end=date(2030, 1, 31), status="done",
        finished_at=timezone.now(), differences_count=len(FORMULAS), summary={"currency": "EUR"},
    )  # fmt: skip
    for n, formula in enumerate(FORMULAS):
        ReconciliationDifference.objects.create(
            run=run, document_key=f"k{n}", source_id=formula, kind="missing_in_odoo", message=formula, sides={}
        )
    return run


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_reconciliation_exports_neutralise_formulas(client_for, controller, formula_reconciliation, fmt):
    url = reverse("reporting:reconciliation_export", kwargs={"pk": formula_reconciliation.pk, "fmt": fmt})
    response = client_for(controller).get(url)
    assert response.status_code == 200
    if fmt == "csv":
        assert_neutralised(csv_cells(_body(response).decode()), "reconciliation CSV")
    else:
        assert_xlsx_neutralised(_body(response), "reconciliation XLSX")


@pytest.fixture
def formula_publication(entities):
    """An FR report with one line per formula (merchant and category), marked posted and published to the
    reporting store through the real publication."""
    from tests.reporting.conftest import published_report
    from tests.sync import helpers

    return published_report("R-FORMULA", [helpers.line(f"L{n}", amount="1.00", merchant=formula, category=formula)
                                          for n, formula in enumerate(FORMULAS)])  # fmt: skip


@pytest.mark.django_db(databases=REPORTING_DATABASES)
def test_reporting_extract_download_neutralises_formulas(client_for, controller, formula_publication):
    query = {"entity": "FR", "month": "2026-11", "format": "csv"}
    response = client_for(controller).get(reverse("reporting:extract"), query)
    assert response.status_code == 200
    cells = csv_cells(_body(response).decode())
    assert "1.0000" in cells  # the lines are there, amounts as numbers
    dangerous = [c for c in cells if c.startswith(DANGEROUS_STARTS) and not is_number(c)]
    assert not dangerous, f"reporting extract CSV: cells a spreadsheet would run as formulas: {dangerous}"
    # Intake trims the values (a leading tab or CR does not survive normalisation); the rest arrive prefixed.
    for formula in FORMULAS:
        assert "'" + formula.strip() in cells, f"reporting extract CSV: {formula!r} missing (not neutralised?)"


def test_reporting_extract_writer_neutralises_formulas_and_keeps_numbers():
    from apps.reporting.exports import csv_stream, xlsx_bytes

    rows = [[formula, -12.5] for formula in FORMULAS]
    cells = csv_cells("".join(csv_stream(["merchant", "amount"], rows)))
    assert_neutralised(cells, "extract CSV")
    assert "-12.5" in cells  # numbers stay numbers
    assert_xlsx_neutralised(xlsx_bytes([("Lines", ["merchant", "amount"], rows)]), "extract XLSX")


def test_flow_field_map_csv_has_no_formula_cells(client_for, controller, entities, approver, sample_flow):  # noqa: F811
    from apps.mappings.services import mapping_set_create
    from tests.mappings.conftest import approved, cache, tax_rule

    fr = entities["FR"]
    cache(fr, "taxes", 41, "FR-20", company=2, amount=20, amount_type="percent", type_tax_use="purchase")
    mapping_set = mapping_set_create(entity=fr, dimension="tax_code", name="=cmd|' /C calc'!A0", owner=controller,
                                     actor=controller)  # fmt: skip
    approved(mapping_set, controller, approver, tax_rule("FR-20", 41))
    response = client_for(controller).get(reverse("sync:flow_fieldmap_csv", kwargs={"slug": sample_flow.slug}))
    assert response.status_code == 200
    cells = csv_cells(response.content.decode())
    assert not [c for c in cells if c.startswith(DANGEROUS_STARTS)]


@pytest.fixture
def sample_flow(entities, it_admin):
    from tests.access.samples import sync_samples
    from tests.connectors.factories import webhook_connector

    connector, _, _ = webhook_connector(owner=it_admin, entities=list(entities.values()))
    return sync_samples(connector, entities)["flow"]
