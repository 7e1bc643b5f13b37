"""/api/v1/sync/: flows with schedule and field map, Run now (the page's service and permission), dry run,
runs with counts and progress, per-document outcomes."""

import pytest

from apps.ledger.models import LedgerEntry
from apps.sync.models import Flow, RunDocument, SyncRun
from tests.access.samples import documents_samples
from tests.connectors.factories import webhook_connector


@pytest.fixture
def flow(entities, it_admin):
    connector, _, _ = webhook_connector(owner=it_admin, entities=list(entities.values()))
    flow = Flow.objects.create(name="Reports FR", slug="reports-fr", source=connector, target=connector,
                               trigger="schedule", cron="0 2 * * *")  # fmt: skip
    flow.entities.set([entities["FR"]])
    return flow


def test_flow_list_and_detail_show_schedule_and_field_map(client_for, controller, flow):
    from apps.sync.services.schedules import schedules_sync

    schedules_sync()
    client = client_for(controller)
    listing = client.get("/api/v1/sync/flows/").json()
    assert [f["slug"] for f in listing["results"]] == ["reports-fr"] and listing["results"][0]["entities"] == ["FR"]
    detail = client.get("/api/v1/sync/flows/reports-fr/").json()
    assert detail["schedule"]["cron"] == "0 2 * * *" and detail["schedule"]["next_run"]
    assert detail["odoo_major"] == 17 and detail["recent_runs"] == []
    canonical = {row["canonical"] for row in detail["field_map"]}
    assert "lines[].tax_code" in canonical and {"model", "field", "dimension", "mapping"} <= set(detail["field_map"][0])


def test_flow_filters_and_unknown_flow(client_for, controller, flow):
    client = client_for(controller)
    assert client.get("/api/v1/sync/flows/", {"trigger": "webhook"}).json()["results"] == []
    assert client.get("/api/v1/sync/flows/", {"ordering": "bogus"}).status_code == 400
    assert client.get("/api/v1/sync/flows/no-such-flow/").status_code == 404


def test_run_now_queues_a_run_through_the_service_and_the_ledger(client_for, controller, flow):
    response = client_for(controller).post("/api/v1/sync/flows/reports-fr/run/")
    assert response.status_code == 202, response.content
    run = SyncRun.objects.get(pk=response.json()["id"])
    assert run.trigger == "manual" and run.requested_by == controller and response.json()["status"] == "queued"
    assert LedgerEntry.objects.filter(kind="sync_run.queued", flow="reports-fr").count() == 1


def test_run_now_refuses_a_disabled_flow_with_409_and_the_reason(client_for, controller, flow):
    Flow.objects.filter(pk=flow.pk).update(enabled=False)
    response = client_for(controller).post("/api/v1/sync/flows/reports-fr/run/")
    assert response.status_code == 409 and "disabled" in response.json()["error"]["message"]
    assert not SyncRun.objects.exists()


def test_auditor_reads_but_cannot_run_or_dry_run(client_for, auditor, flow):
    client = client_for(auditor)
    assert client.get("/api/v1/sync/flows/reports-fr/").status_code == 200
    assert client.post("/api/v1/sync/flows/reports-fr/run/").status_code == 403
    assert client.get("/api/v1/sync/flows/reports-fr/dry-run/").status_code == 403
    assert not SyncRun.objects.exists()


def test_dry_run_writes_nothing(client_for, controller, flow):
    before = LedgerEntry.objects.count()
    response = client_for(controller).get("/api/v1/sync/flows/reports-fr/dry-run/")
    assert response.status_code == 200 and response.json() == {"flow": "reports-fr", "count": 0, "results": []}
    assert LedgerEntry.objects.count() == before and not SyncRun.objects.exists()


def test_runs_with_counts_progress_and_document_outcomes(client_for, controller, flow):
    run = SyncRun.objects.create(flow=flow, trigger="manual", run_key="r1", status="running", total=4, posted=1,
                                 held=1)  # fmt: skip
    document = documents_samples()["document"]
    RunDocument.objects.create(run=run, document=document, outcome="held", message="Unknown tax code FR-99.")
    client = client_for(controller)
    runs = client.get("/api/v1/sync/runs/", {"flow": "reports-fr"}).json()["results"]
    assert [r["id"] for r in runs] == [run.pk]
    detail = client.get(f"/api/v1/sync/runs/{run.pk}/").json()
    assert (detail["done"], detail["progress"], detail["finished"]) == (2, 50, False)
    outcomes = client.get(f"/api/v1/sync/runs/{run.pk}/documents/").json()["results"]
    assert outcomes == [{"id": outcomes[0]["id"], "document": document.idempotency_key, "document_id": document.pk,
                         "state": document.state, "outcome": "held", "message": "Unknown tax code FR-99.",
                         "created_at": outcomes[0]["created_at"]}]  # fmt: skip
    assert client.get(f"/api/v1/sync/runs/{run.pk}/documents/", {"outcome": "posted"}).json()["results"] == []


def test_outsider_sees_no_flow_or_run(client_for, outsider, flow):
    run = SyncRun.objects.create(flow=flow, trigger="manual", run_key="r1")
    client = client_for(outsider)
    for url in ("/api/v1/sync/flows/", "/api/v1/sync/runs/", f"/api/v1/sync/runs/{run.pk}/documents/"):
        assert client.get(url).status_code == 403


def test_document_outcomes_stay_within_the_readers_entities(client_for, controller_de, flow):
    run = SyncRun.objects.create(flow=flow, trigger="manual", run_key="r1")
    RunDocument.objects.create(run=run, document=documents_samples()["document"], outcome="posted")  # an FR document
    response = client_for(controller_de).get(f"/api/v1/sync/runs/{run.pk}/documents/")
    assert response.status_code == 200 and response.json()["results"] == []
