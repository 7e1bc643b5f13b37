"""Document pages and API: entity scope, the file drop (UI and API), the public schema."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.documents.models import Document
from apps.documents.normalize import normalize_canonical
from apps.documents.services import document_receive
from tests.documents.examples import minimal_report
from tests.documents.test_tabular import BAD_CSV

FR_CSV = (
    "report_id,employee_email,date,amount,currency,category\n"
    "R-7,camille@example.com,2026-11-20,42.50,EUR,TAXI\n"
    "R-7,camille@example.com,2026-11-21,10.00,EUR,MEALS\n"
)


@pytest.fixture
def documents(entities):
    made = {}
    for entity in ("FR", "DE"):
        canonical = normalize_canonical(minimal_report(id=f"R-{entity}", entity=entity))
        made[entity], _ = document_receive(
            canonical=canonical, connector_slug="demo-platform", source_system="generic", raw_payload={}, actor="test"
        )
    return made


def test_controller_sees_only_documents_of_their_entities(client_for, controller, documents):
    response = client_for(controller).get(reverse("documents:index"))
    assert response.status_code == 200
    assert [d.source_id for d in response.context["page"]] == ["R-FR"]


def test_auditor_sees_every_document(client_for, auditor, documents):
    response = client_for(auditor).get(reverse("documents:index"))
    assert {d.source_id for d in response.context["page"]} == {"R-FR", "R-DE"}


def test_document_of_another_entity_is_not_found(client_for, controller, documents):
    client = client_for(controller)
    assert client.get(reverse("documents:detail", args=[documents["FR"].pk])).status_code == 200
    assert client.get(reverse("documents:detail", args=[documents["DE"].pk])).status_code == 404


@pytest.mark.parametrize("name", ["documents:index", "documents:import"])
def test_outsider_is_refused_and_anonymous_sent_to_login(client_for, outsider, name):
    assert client_for(outsider).get(reverse(name)).status_code == 403
    response = client_for(None).get(reverse(name))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_auditor_may_not_import(client_for, auditor):
    assert client_for(auditor).get(reverse("documents:import")).status_code == 403


def test_controller_imports_a_file_from_the_page(client_for, controller):
    upload = SimpleUploadedFile("nov.csv", FR_CSV.encode(), content_type="text/csv")
    response = client_for(controller).post(
        reverse("documents:import"), {"file": upload, "preset": "canonical", "entity": "fr"}
    )
    assert response.status_code == 302
    assert list(Document.objects.values_list("source_id", "line_count")) == [("R-7", 2)]


def test_bad_file_shows_every_line_error_and_imports_nothing(client_for, controller):
    upload = SimpleUploadedFile("bad.csv", BAD_CSV.encode(), content_type="text/csv")
    response = client_for(controller).post(reverse("documents:import"), {"file": upload, "preset": "canonical"})
    assert response.status_code == 400 and len(response.context["errors"]) == 5
    assert b"not a valid calendar date" in response.content and Document.objects.count() == 0


def test_import_api_answers_created_keys_then_duplicates(client_for, controller):
    client = client_for(controller)
    url = reverse("documents-api:document-import")

    def post():
        return client.post(url, {"file": SimpleUploadedFile("nov.csv", FR_CSV.encode()), "entity": "FR"})

    first, second = post(), post()
    assert (first.status_code, first.json()) == (
        201,
        {"created": ["file-upload:expense_report:R-7:1"], "duplicates": [], "lines": 2},
    )
    assert second.json()["duplicates"] == ["file-upload:expense_report:R-7:1"]


def test_import_api_returns_line_errors(client_for, controller):
    response = client_for(controller).post(
        reverse("documents-api:document-import"), {"file": SimpleUploadedFile("bad.csv", BAD_CSV.encode())}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "line": 3,
        "column": "date",
        "message": "'2026-11-31' is not a valid calendar date",
    }


def test_import_api_refuses_a_bad_column_mapping(client_for, controller):
    response = client_for(controller).post(
        reverse("documents-api:document-import"),
        {"file": SimpleUploadedFile("nov.csv", FR_CSV.encode()), "column_map": '{"colour": "C"}'},
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "column_map"


def test_document_api_lists_only_the_users_entities(client_for, controller, outsider, documents):
    response = client_for(controller).get(reverse("documents-api:document-list"))
    assert [d["source_id"] for d in response.json()["results"]] == ["R-FR"]
    assert client_for(outsider).get(reverse("documents-api:document-list")).status_code == 403


def test_schema_is_public(client_for, db):
    response = client_for(None).get(reverse("canonical-document-schema"))
    assert response.status_code == 200 and response.json()["title"] == "Canonical expense document"
