"""API twins of pages that had none: the account page (me), the ledger CSV export and evidence pack, one
document with its lines."""

import io
import zipfile

from django.test import Client

from apps.access.tokens import api_token_create
from apps.ledger.services import ledger_append
from tests.access.samples import documents_samples


def test_me_tells_roles_scope_and_two_factor_status(client_for, controller):
    body = client_for(controller).get("/api/v1/access/me/").json()
    assert body["username"] == "controller" and body["roles"] == ["finance_controller"]
    assert body["entities"] == ["FR"] and body["api_access"] is True and body["token"] is None
    assert body["two_factor"] == {"enrolled": False, "required": False, "verified": False}


def test_me_with_a_token_names_the_token_and_is_not_two_factor_verified(it_admin, entities):
    issued = api_token_create(actor=it_admin, name="probe", read_only=True)
    body = Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}").get("/api/v1/access/me/").json()
    assert body["token"]["prefix"] == issued.token.prefix and body["token"]["read_only"] is True
    assert body["two_factor"]["required"] is True and body["two_factor"]["verified"] is False
    assert body["entities"] == []  # IT holds no entity scope


def test_me_is_refused_to_anonymous_callers(db):
    assert Client().get("/api/v1/access/me/").status_code == 401


def test_ledger_export_streams_the_filtered_entries_as_csv(client_for, auditor):
    ledger_append(kind="expense_report.received", direction="inbound", entity="FR", payload={"id": 1})
    ledger_append(kind="expense_report.posted", direction="outbound", entity="FR", payload={"id": 1})
    response = client_for(auditor).get("/api/v1/ledger/export/", {"kind": "expense_report.posted"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 2 and "expense_report.posted" in lines[1]
    assert client_for(auditor).get("/api/v1/ledger/export/", {"date_from": "not a date"}).status_code == 400


def test_evidence_pack_needs_a_period_and_is_a_zip_for_auditors(client_for, auditor, controller):
    ledger_append(kind="expense_report.received", direction="inbound", entity="FR", payload={"id": 1})
    client = client_for(auditor)
    missing = client.get("/api/v1/ledger/evidence-pack/")
    assert missing.status_code == 400 and set(missing.json()["error"]["fields"]) == {"date_from", "date_to"}
    response = client.get("/api/v1/ledger/evidence-pack/", {"date_from": "2000-01-01", "date_to": "2999-12-31"})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert {"entries.csv", "verification.json", "MANIFEST.sha256"} <= set(names)
    period = {"date_from": "2000-01-01", "date_to": "2999-12-31"}
    assert client_for(controller).get("/api/v1/ledger/evidence-pack/", period).status_code == 403


def test_document_detail_has_lines_canonical_form_and_scope(client_for, controller, controller_de):
    document = documents_samples()["document"]
    body = client_for(controller).get(f"/api/v1/documents/{document.pk}/").json()
    assert body["idempotency_key"] == document.idempotency_key and body["entity"] == "FR"
    assert body["lines"] and body["canonical"]["id"] == "R-SAMPLE" and body["previous_revision"] is None
    assert client_for(controller_de).get(f"/api/v1/documents/{document.pk}/").status_code == 404
