"""/api/v1/reporting/reconciliations/: the reconciliation pages' twins — list, run, detail, drill-down, export —
with the pages' permissions: controllers their entities (another entity's run is not found), auditors read and
export everything and run nothing, IT sees no finance content."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from apps.access.tokens import api_token_create
from apps.reporting.models import ReconciliationDifference, ReconciliationRun
from tests.reporting.conftest import DATABASES
from tests.reporting.samples import build_samples

pytestmark = pytest.mark.django_db(databases=DATABASES)

LIST = "/api/v1/reporting/reconciliations/"
JSON = "application/json"


@pytest.fixture
def run(entities):
    """The matrix sample (FR, January 2030, one missing_in_odoo difference whose message is a formula) and two
    more differences, so filters and pages have something to tell apart."""
    run = build_samples(entities)["reconciliation"]
    ReconciliationDifference.objects.bulk_create([
        ReconciliationDifference(run=run, document_key=f"demo:expense_report:R-{n}:1", source_id=f"R-{n}",
                                 kind="missing_in_reporting", message="Not in the reporting store.",
                                 sides={"received": {"state": "posted", "lines": 1, "total": "5.00"}})
        for n in (2, 3)
    ])  # fmt: skip
    ReconciliationRun.objects.filter(pk=run.pk).update(differences_count=3)
    return run


@pytest.fixture
def de_run(entities):
    return ReconciliationRun.objects.create(entity=entities["DE"], period_start="2030-01-01",
                                            period_end="2030-01-31", status="done")  # fmt: skip


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- list --------------------------------------------------------------------------------------------------


def test_list_shows_each_reader_the_runs_of_their_entities(client_for, controller, controller_de, auditor, run, de_run):
    ids = lambda user: [r["id"] for r in client_for(user).get(LIST).json()["results"]]  # noqa: E731
    assert ids(controller) == [run.pk]
    assert ids(controller_de) == [de_run.pk]
    assert sorted(ids(auditor)) == sorted([run.pk, de_run.pk])
    first = client_for(controller).get(LIST).json()["results"][0]
    assert first["entity"] == "FR" and first["differences_count"] == 3 and first["summary"]["received"]["count"] == 1


def test_list_filters_by_entity_and_status(client_for, auditor, run, de_run):
    client = client_for(auditor)
    assert [r["id"] for r in client.get(LIST, {"entity": "DE"}).json()["results"]] == [de_run.pk]
    assert client.get(LIST, {"status": "queued"}).json()["results"] == []
    assert client.get(LIST, {"ordering": "secret_field"}).status_code == 400


@pytest.mark.parametrize("role", ["it_admin", "outsider"])
def test_list_is_refused_to_who_holds_no_finance_reading(role, request, client_for, run):
    response = client_for(request.getfixturevalue(role)).get(LIST)
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


# --- run one -----------------------------------------------------------------------------------------------


def test_controller_queues_a_month_and_the_worker_is_asked_after_commit(
    client_for, controller, entities, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *args, **kwargs: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(controller).post(LIST, {"entity": "FR", "month": "2026-11"}, content_type=JSON)
    assert response.status_code == 202, response.content
    run = ReconciliationRun.objects.get()
    assert response.json()["id"] == run.pk and response.json()["status"] == "queued"
    assert (run.entity.code, str(run.period_start), str(run.period_end), run.requested_by) == (
        "FR", "2026-11-01", "2026-11-30", controller)  # fmt: skip
    assert queued == [("apps.reporting.tasks.reconciliation_execute_task", run.pk)]


def test_a_period_of_dates_is_accepted_too(client_for, controller, entities):
    response = client_for(controller).post(LIST, {"entity": "FR", "start": "2026-11-03", "end": "2026-11-09"},
                                           content_type=JSON)  # fmt: skip
    assert response.status_code == 202 and response.json()["period_end"] == "2026-11-09"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"entity": "FR", "month": "11/2026"}, "month"),
        ({"entity": "FR", "month": "2026-13"}, "month"),
        ({"entity": "FR"}, "month"),
        ({"entity": "FR", "start": "2026-11-30", "end": "2026-11-01"}, "end"),
        ({"entity": "FR", "start": "2020-01-01", "end": "2026-01-01"}, "start"),
        ({"entity": "FR", "start": 20261101, "end": "2026-11-30"}, "start"),
        ({"entity": ["FR"], "month": "2026-11"}, "entity"),
        ({"entity": "ZZ", "month": "2026-11"}, "entity"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(client_for, controller, entities, payload, field):
    response = client_for(controller).post(LIST, payload, content_type=JSON)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()
    assert not ReconciliationRun.objects.exists()


def test_a_body_that_is_not_an_object_is_a_400(client_for, controller, entities):
    response = client_for(controller).post(LIST, ["FR"], content_type=JSON)
    assert response.status_code == 400 and not ReconciliationRun.objects.exists()


def test_the_controller_of_another_entity_cannot_reconcile_fr(client_for, controller_de, entities):
    response = client_for(controller_de).post(LIST, {"entity": "FR", "month": "2026-11"}, content_type=JSON)
    assert response.status_code == 400 and "entity" in response.json()["error"]["fields"]
    assert not ReconciliationRun.objects.exists()


def test_an_entity_without_odoo_company_is_refused_with_the_reason(client_for, controller, entities):
    entities["FR"].odoo_company_id = None
    entities["FR"].save(update_fields=["odoo_company_id"])
    response = client_for(controller).post(LIST, {"entity": "FR", "month": "2026-11"}, content_type=JSON)
    assert response.status_code == 422 and "no Odoo company" in response.json()["error"]["message"]
    assert not ReconciliationRun.objects.exists()


@pytest.mark.parametrize("role", ["auditor", "it_admin", "outsider"])
def test_only_controllers_run_reconciliations(role, request, client_for, entities):
    response = client_for(request.getfixturevalue(role)).post(LIST, {"entity": "FR", "month": "2026-11"},
                                                              content_type=JSON)  # fmt: skip
    assert response.status_code == 403 and not ReconciliationRun.objects.exists()


def test_a_read_only_token_cannot_run_one(controller, entities):
    issued = api_token_create(actor=controller, name="reader", read_only=True)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert client.get(LIST).status_code == 200
    assert client.post(LIST, {"entity": "FR", "month": "2026-11"}, content_type=JSON).status_code == 403
    assert not ReconciliationRun.objects.exists()


# --- detail and drill-down ---------------------------------------------------------------------------------


def test_detail_filters_differences_by_kind_and_document(client_for, auditor, run):
    url = reverse("reporting-api:reconciliation-detail", args=[run.pk])
    client = client_for(auditor)
    assert len(client.get(url).json()["differences"]) == 3
    assert [d["source_id"] for d in client.get(url, {"kind": "missing_in_reporting"}).json()["differences"]] == [
        "R-2", "R-3"]  # fmt: skip
    assert [d["document"] for d in client.get(url, {"q": "R-3"}).json()["differences"]] == [
        "demo:expense_report:R-3:1"]  # fmt: skip


def test_differences_page_through_every_document_with_its_sides(client_for, controller, run):
    url = reverse("reporting-api:reconciliation-differences", args=[run.pk])
    client = client_for(controller)
    first = client.get(url, {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    rows = first["results"] + second["results"]
    assert len(first["results"]) == 2 and second["next"] is None
    assert sorted(r["source_id"] for r in rows) == ["R-1", "R-2", "R-3"]
    r2 = next(r for r in rows if r["source_id"] == "R-2")
    assert r2["kind"] == "missing_in_reporting" and r2["sides"]["received"]["total"] == "5.00"
    only = client.get(url, {"kind": "missing_in_odoo"}).json()["results"]
    assert [r["message"] for r in only] == ['=HYPERLINK("x")']  # JSON carries the text as stored


@pytest.mark.parametrize("name", ["reconciliation-detail", "reconciliation-differences", "reconciliation-export"])
def test_another_entitys_run_is_not_found_and_shows_nothing(name, client_for, controller_de, run):
    response = client_for(controller_de).get(reverse(f"reporting-api:{name}", args=[run.pk]))
    assert response.status_code == 404 and b"R-1" not in body(response)


# --- export ------------------------------------------------------------------------------------------------


def test_csv_export_is_streamed_neutralised_and_the_same_file_as_the_page(client_for, controller, run):
    client = client_for(controller)
    response = client.get(reverse("reporting-api:reconciliation-export", args=[run.pk]))
    assert response.status_code == 200 and response.streaming and response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == (
        f'attachment; filename="reconciliation-FR-2030-01-01-2030-01-31-{run.pk}.csv"')  # fmt: skip
    content = body(response)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["document_key", "source_id", "difference"] and len(rows) == 4
    assert '\'=HYPERLINK("x")' in [row[3] for row in rows]
    page = client.get(reverse("reporting:reconciliation_export", args=[run.pk, "csv"]))
    assert content == body(page)


def test_xlsx_export_for_the_auditor_writes_text_never_formulas(client_for, auditor, run):
    from openpyxl import load_workbook

    response = client_for(auditor).get(reverse("reporting-api:reconciliation-export", args=[run.pk]),
                                       {"format": "xlsx"})  # fmt: skip
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(body(response)))
    assert [c.value for c in workbook["Summary"][2]] == ["received", 1, "10.00", "EUR"]
    cells = [row[3] for row in workbook["Differences"].iter_rows(min_row=2)]
    formula = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert formula.value == '\'=HYPERLINK("x")' and formula.data_type == "s"


def test_an_unknown_export_format_is_a_400(client_for, controller, run):
    response = client_for(controller).get(reverse("reporting-api:reconciliation-export", args=[run.pk]),
                                          {"format": "pdf"})  # fmt: skip
    assert response.status_code == 400 and "format" in response.json()["error"]["fields"]


def test_it_may_not_export_finance_content(client_for, it_admin, run):
    assert client_for(it_admin).get(reverse("reporting-api:reconciliation-export", args=[run.pk])).status_code == 403


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("reconciliation-list", {"entity": "FR\x00"}),
        ("reconciliation-list", {"status": "x" * 201}),
        ("reconciliation-detail", {"kind": "\x00", "q": "' OR 1=1 --"}),
        ("reconciliation-differences", {"kind": "missing_in_odoo\x00", "q": "%\x00" * 150}),
    ],
)
def test_hostile_filter_values_are_harmless(name, params, client_for, auditor, run):
    kwargs = {} if name == "reconciliation-list" else {"pk": run.pk}
    response = client_for(auditor).get(reverse(f"reporting-api:{name}", kwargs=kwargs), params)
    assert response.status_code in (200, 400), response.content
    if response.status_code == 200:
        rows = response.json().get("results", response.json().get("differences"))
        assert rows == []  # nothing matches; nothing leaks
