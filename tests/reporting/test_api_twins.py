"""Every reporting page has an API twin under /api/v1/reporting/ (same selectors, services and permissions):
the dashboard (with its connector and last-run tables), "run now" and the reporting runs, and the extracts of
the reporting store. Reconciliations: tests/reporting/test_api_reconciliations.py."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from apps.access.tokens import api_token_create
from apps.reporting.models import ReportingRun
from tests.reporting.conftest import DATABASES

pytestmark = pytest.mark.django_db(databases=DATABASES)

# Every reporting page or form and the API endpoint that does the same.
TWINS = {
    "dashboard": "dashboard",
    "run_now": "run-now",
    "reconciliation_list": "reconciliation-list",
    "reconciliation_create": "reconciliation-list",  # POST
    "reconciliation_detail": "reconciliation-detail",  # + reconciliation-differences, every page of them
    "reconciliation_export": "reconciliation-export",
    "extract": "extract",
}


def test_every_reporting_page_has_an_api_twin():
    pages = {p.name for p in get_resolver("apps.reporting.urls").url_patterns}
    apis = {p.name for p in get_resolver("apps.reporting.api.urls").url_patterns}
    assert pages == set(TWINS), f"say which API endpoint twins these pages: {sorted(pages ^ set(TWINS))}"
    assert set(TWINS.values()) <= apis, sorted(set(TWINS.values()) - apis)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- dashboard ---------------------------------------------------------------------------------------------


def test_dashboard_api_has_the_pages_connector_and_last_run_tables(client_for, it_admin):
    ReportingRun.objects.create(kind="publication", status="succeeded", started_at=timezone.now(),
                                finished_at=timezone.now(), counts={"inserted": 4})  # fmt: skip
    data = client_for(it_admin).get(reverse("reporting-api:dashboard")).json()
    assert isinstance(data["connectors"], list)
    reporting = {row["flow"]: row["run"] for row in data["runs"] if row["kind"] == "reporting"}
    assert reporting["Reporting publication"]["counts"] == {"inserted": 4}
    assert reporting["Reporting publication"]["status"] == "succeeded"
    assert reporting["Master data to the platforms"] is None


def test_dashboard_api_errors_use_the_common_error_body(client_for, controller):
    response = client_for(controller).get(reverse("reporting-api:dashboard"), {"entity": "DE"})
    assert response.status_code == 400 and "entity" in response.json()["error"]["fields"]
    response = client_for(controller).get(reverse("reporting-api:dashboard"), {"period": "forever"})
    assert response.status_code == 400 and "period" in response.json()["error"]["fields"]


# --- run now and the runs ----------------------------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *args, **kwargs: calls.append(args))
    return calls


@pytest.mark.parametrize("kind", ["publication", "reimbursement_status", "master_data"])
def test_run_now_queues_the_task_after_commit_like_the_page(
    kind, client_for, controller, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(controller).post(reverse("reporting-api:run-now", args=[kind]))
    assert response.status_code == 202 and response.json()["kind"] == kind and response.json()["last_run"] is None
    with django_capture_on_commit_callbacks(execute=True):
        page = client_for(controller).post(reverse("reporting:run_now", args=[kind]))
    assert page.status_code == 302
    task = {"master_data": "master_data_push"}.get(kind, kind)
    assert queued == [(f"apps.reporting.tasks.{task}_task", "manual")] * 2  # the API's, then the page's


def test_run_now_names_the_last_run_of_that_kind(client_for, it_admin, queued):
    earlier = ReportingRun.objects.create(kind="reimbursement_status", status="failed", started_at=timezone.now(),
                                          message="Odoo timed out.")  # fmt: skip
    response = client_for(it_admin).post(reverse("reporting-api:run-now", args=["reimbursement_status"]))
    assert response.status_code == 202
    assert (
        response.json()["last_run"]["id"] == earlier.pk and response.json()["last_run"]["message"] == "Odoo timed out."
    )


def test_an_unknown_task_is_404_and_queues_nothing(client_for, controller, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(controller).post(reverse("reporting-api:run-now", args=["reconciliation"]))
    assert response.status_code == 404 and queued == []


@pytest.mark.parametrize("role", ["auditor", "outsider"])
def test_auditors_and_outsiders_run_nothing(role, request, client_for, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(request.getfixturevalue(role)).post(reverse("reporting-api:run-now",
                                                                          args=["publication"]))  # fmt: skip
    assert response.status_code == 403 and queued == []


def test_a_read_only_token_runs_nothing(it_admin, queued, django_capture_on_commit_callbacks):
    issued = api_token_create(actor=it_admin, name="reader", read_only=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}").post(
            reverse("reporting-api:run-now", args=["publication"])
        )
    assert response.status_code == 403 and queued == []


def test_runs_list_newest_first_filtered_by_kind(client_for, auditor, controller, outsider):
    now = timezone.now()
    old = ReportingRun.objects.create(kind="publication", status="succeeded", started_at=now - timedelta(days=1))
    new = ReportingRun.objects.create(kind="publication", status="partial", started_at=now, counts={"failed": 1})
    ReportingRun.objects.create(kind="master_data", status="succeeded", started_at=now)
    url = reverse("reporting-api:run-list")
    rows = client_for(auditor).get(url, {"kind": "publication"}).json()["results"]
    assert [r["id"] for r in rows] == [new.pk, old.pk] and rows[0]["counts"] == {"failed": 1}
    assert len(client_for(controller).get(url).json()["results"]) == 3
    assert client_for(outsider).get(url).status_code == 403


# --- extracts ----------------------------------------------------------------------------------------------


EXTRACT = "/api/v1/reporting/extracts/"
NOVEMBER = {"entity": "FR", "month": "2026-11"}


def test_csv_extract_is_streamed_neutralised_and_the_same_file_as_the_page(client_for, controller, published_fr):
    client = client_for(controller)
    response = client.get(EXTRACT, NOVEMBER)
    assert response.status_code == 200 and response.streaming and response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="expense-lines-FR-2026-11-01-2026-11-30.csv"'
    content = body(response)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert {r["amount"] for r in rows} == {"10.0000", "5.5000"}
    assert sorted(r["merchant"] for r in rows)[0].startswith("'=cmd")
    assert content == body(client.get(reverse("reporting:extract"), {**NOVEMBER, "format": "csv"}))


def test_parquet_extract_for_the_auditor_with_dates(client_for, auditor, published_fr):
    import pyarrow.parquet as pq

    response = client_for(auditor).get(EXTRACT, {"entity": "FR", "start": "2026-11-01", "end": "2026-11-30",
                                                 "format": "parquet"})  # fmt: skip
    assert response.status_code == 200 and response["Content-Type"] == "application/vnd.apache.parquet"
    table = pq.read_table(io.BytesIO(body(response)))
    assert table.num_rows == 2 and str(table.schema.field("amount").type) == "decimal128(20, 4)"


def test_the_controller_of_another_entity_gets_no_fr_line(client_for, controller_de, published_fr):
    response = client_for(controller_de).get(EXTRACT, NOVEMBER)
    assert response.status_code == 400 and "entity" in response.json()["error"]["fields"]
    assert b"R-EX1" not in body(response)
    empty = client_for(controller_de).get(EXTRACT, {"entity": "DE", "month": "2026-11"})
    assert empty.status_code == 200 and len(body(empty).decode("utf-8-sig").splitlines()) == 1  # the header only


@pytest.mark.parametrize(
    ("params", "field"),
    [({"entity": "FR"}, "month"), ({**NOVEMBER, "format": "pdf"}, "format"), ({"month": "2026-11"}, "entity")],
)
def test_a_bad_extract_request_is_a_400_naming_the_field(client_for, controller, entities, params, field):
    response = client_for(controller).get(EXTRACT, params)
    assert response.status_code == 400 and field in response.json()["error"]["fields"], response.content


def test_it_downloads_no_finance_extract(client_for, it_admin, entities):
    assert client_for(it_admin).get(EXTRACT, NOVEMBER).status_code == 403
