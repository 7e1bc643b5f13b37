"""Reconciliation pages and exports, and reporting extracts: scoped, safe to open in a spreadsheet."""

import csv
import io

import pytest
from django.urls import reverse

from apps.reporting.exports import safe_text
from apps.reporting.models import ReconciliationRun
from tests.reporting.conftest import DATABASES
from tests.reporting.samples import build_samples

pytestmark = pytest.mark.django_db(databases=DATABASES)


@pytest.fixture
def run(entities):
    return build_samples(entities)["reconciliation"]


def test_controller_queues_a_reconciliation_of_a_month(client_for, controller, entities):
    response = client_for(controller).post(reverse("reporting:reconciliation_create"), {"entity": "FR",
                                                                                       "month": "2026-11"})  # fmt: skip
    run = ReconciliationRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reporting:reconciliation_detail",
                                                                            args=[run.pk])  # fmt: skip
    assert (run.entity.code, str(run.period_start), str(run.period_end), run.status) == (
        "FR",
        "2026-11-01",
        "2026-11-30",
        "queued",
    )
    assert run.requested_by == controller


def test_a_bad_month_is_refused_with_its_field(client_for, controller, entities):
    response = client_for(controller).post(reverse("reporting:reconciliation_create"), {"entity": "FR",
                                                                                       "month": "11/2026"},
                                           follow=True)  # fmt: skip
    assert not ReconciliationRun.objects.exists()
    assert "month: Give the month as YYYY-MM" in response.content.decode()


def test_a_controller_of_another_entity_cannot_see_the_run(client_for, controller_de, run):
    assert client_for(controller_de).get(reverse("reporting:reconciliation_detail", args=[run.pk])).status_code == 404
    response = client_for(controller_de).post(
        reverse("reporting:reconciliation_create"), {"entity": "FR", "month": "2026-11"}
    )
    assert response.status_code == 302 and not ReconciliationRun.objects.filter(status="queued").exists()


def test_detail_lists_each_difference(client_for, auditor, run):
    response = client_for(auditor).get(reverse("reporting:reconciliation_detail", args=[run.pk]))
    assert response.status_code == 200
    assert b'data-kind="missing_in_odoo"' in response.content and b"demo:expense_report:R-1:1" in response.content


def test_csv_export_neutralises_formulas(client_for, controller, run):
    response = client_for(controller).get(reverse("reporting:reconciliation_export", args=[run.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert response.status_code == 200 and rows[0][:3] == ["document_key", "source_id", "difference"]
    assert rows[1][3] == '\'=HYPERLINK("x")'


def test_xlsx_export_writes_text_never_formulas(client_for, auditor, run):
    from openpyxl import load_workbook

    response = client_for(auditor).get(reverse("reporting:reconciliation_export", args=[run.pk, "xlsx"]))
    workbook = load_workbook(io.BytesIO(response.content))
    summary, differences = workbook["Summary"], workbook["Differences"]
    assert [c.value for c in summary[2]] == ["received", 1, "10.00", "EUR"]
    cell = differences.cell(row=2, column=4)
    assert cell.value == '\'=HYPERLINK("x")' and cell.data_type == "s"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_safe_text_prefixes_every_formula_start(value):
    assert safe_text(value) == "'" + value


def test_an_unknown_export_format_is_404(client_for, controller, run):
    assert (
        client_for(controller).get(reverse("reporting:reconciliation_export", args=[run.pk, "pdf"])).status_code == 404
    )


def test_csv_extract_of_a_period(client_for, controller, published_fr):
    response = client_for(controller).get(reverse("reporting:extract"), {"entity": "FR", "month": "2026-11",
                                                                         "format": "csv"})  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert response.status_code == 200 and len(rows) == 2
    assert {r["amount"] for r in rows} == {"10.0000", "5.5000"} and rows[0]["odoo_ids"] == "7"
    assert rows[1]["merchant"].startswith("'=")


def test_parquet_extract_of_a_period(client_for, auditor, published_fr):
    import pyarrow.parquet as pq

    response = client_for(auditor).get(
        reverse("reporting:extract"), {"entity": "FR", "start": "2026-11-01", "end": "2026-11-30", "format": "parquet"}
    )
    table = pq.read_table(io.BytesIO(response.content))
    assert response.status_code == 200 and table.num_rows == 2
    assert str(table.schema.field("amount").type) == "decimal128(20, 4)"
    assert sorted(str(v) for v in table.column("amount").to_pylist()) == ["10.0000", "5.5000"]


def test_an_extract_outside_the_scope_is_refused(client_for, controller_de, published_fr):
    response = client_for(controller_de).get(reverse("reporting:extract"), {"entity": "FR", "month": "2026-11"})
    assert response.status_code == 400 and b"csv" not in response.get("Content-Type", "").encode()
