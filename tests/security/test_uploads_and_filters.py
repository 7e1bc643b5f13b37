"""Uploads are size- and type-checked (a clear error, nothing imported); hostile filter values are harmless.

Filters: every list page and API list answers 200 or 400 (never 500) to SQL-like, 10 kB and odd-unicode values,
and shows the FR controller nothing of entity DE whatever the filter says.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

pytestmark = pytest.mark.django_db

GOOD_CSV = (
    "report_id,employee_email,date,amount,currency,category\nR-UP,camille@example.com,2026-11-20,42.50,EUR,TAXI\n"
)


def _document_count():
    from apps.documents.models import Document

    return Document.objects.count()


# --- document imports ------------------------------------------------------------------------------------
def _oversized_csv() -> bytes:
    from apps.documents.file_import import MAX_FILE_BYTES

    filler = b"R-BIG,camille@example.com,2026-11-20,1.00,EUR,TAXI\n"
    return GOOD_CSV.encode() + filler * (MAX_FILE_BYTES // len(filler) + 1)


BAD_DOCUMENT_FILES = {
    "oversized": ("big.csv", _oversized_csv, "larger than"),
    "executable": ("tool.exe", lambda: GOOD_CSV.encode(), ".csv or .xlsx"),
    "html": ("page.html", lambda: GOOD_CSV.encode(), ".csv or .xlsx"),
    "binary": ("photo.csv", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe" * 50, "UTF-8"),
    "fake xlsx": ("sheet.xlsx", lambda: b"not a zip at all", ""),
}


@pytest.mark.parametrize("case", sorted(BAD_DOCUMENT_FILES))
def test_document_import_page_refuses_bad_files_and_imports_nothing(client_for, controller, case):
    name, content, message = BAD_DOCUMENT_FILES[case]
    upload = SimpleUploadedFile(name, content(), content_type="text/csv")
    response = client_for(controller).post(reverse("documents:import"), {"file": upload, "entity": "FR"})
    assert response.status_code in (200, 400)
    assert message in response.content.decode()
    assert _document_count() == 0


@pytest.mark.parametrize("case", sorted(BAD_DOCUMENT_FILES))
def test_document_import_api_refuses_bad_files_and_imports_nothing(client_for, controller, case):
    name, content, message = BAD_DOCUMENT_FILES[case]
    upload = SimpleUploadedFile(name, content(), content_type="text/csv")
    response = client_for(controller).post(reverse("documents-api:document-import"), {"file": upload, "entity": "FR"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _document_count() == 0


def test_a_good_csv_still_imports(client_for, controller):
    upload = SimpleUploadedFile("nov.csv", GOOD_CSV.encode(), content_type="text/csv")
    response = client_for(controller).post(reverse("documents-api:document-import"), {"file": upload, "entity": "FR"})
    assert response.status_code == 201, response.content
    assert _document_count() == 1


# --- mapping imports -------------------------------------------------------------------------------------
@pytest.fixture
def draft(entities, controller):
    from apps.mappings.services import mapping_draft_open, mapping_set_create

    fr = entities["FR"]
    mapping_set = mapping_set_create(entity=fr, dimension="tax_code", name="Taxes", owner=controller, actor=controller)
    return mapping_draft_open(mapping_set=mapping_set, actor=controller)


def _oversized_rules() -> bytes:
    from apps.mappings.transfer import MAX_BYTES

    return b"source_value,target_id\n" + b"FR-20,41\n" * (MAX_BYTES // 9 + 1)


BAD_RULE_FILES = {
    "oversized": ("rules.csv", _oversized_rules, "larger than"),
    "executable": ("rules.exe", lambda: b"source_value,target_id\nFR-20,41\n", ".csv or .xlsx"),
    "binary": ("rules.csv", lambda: b"\xff\xfe\x00\x89PNG" * 40, "UTF-8"),
}


@pytest.mark.parametrize("case", sorted(BAD_RULE_FILES))
def test_mapping_import_page_refuses_bad_files_and_imports_nothing(client_for, controller, draft, case):
    name, content, message = BAD_RULE_FILES[case]
    upload = SimpleUploadedFile(name, content(), content_type="text/csv")
    url = reverse("mappings:version_import", kwargs={"pk": draft.pk})
    response = client_for(controller).post(url, {"file": upload, "mode": "replace"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert draft.rules.count() == 0


@pytest.mark.parametrize("case", sorted(BAD_RULE_FILES))
def test_mapping_import_api_refuses_bad_files_and_imports_nothing(client_for, controller, draft, case):
    name, content, message = BAD_RULE_FILES[case]
    upload = SimpleUploadedFile(name, content(), content_type="text/csv")
    url = reverse("mappings-api:version-import", kwargs={"pk": draft.pk})
    response = client_for(controller).post(url, {"file": upload, "mode": "replace"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert draft.rules.count() == 0


# --- list filters ----------------------------------------------------------------------------------------
HOSTILE_VALUES = {
    "sql": "' OR 1=1 --",
    "oversized": "x') UNION SELECT username, password FROM auth_user --" + "A" * 10_240,
    "unicode": "\u202eRTL\u200b\ufeff𝕏é\u0301%_%\\",
    "nul": "a\x00b",
}
# The filter names the lists use between them (a list ignores the ones it does not know).
FILTER_PARAMS = (
    "q", "search", "kind", "entity", "connector", "source_id", "state", "status", "category", "dimension",
    "ordering", "cursor", "date_from",
)  # fmt: skip
LIST_URLS = (
    "ledger:index", "ledger-api:entry-list", "worklist:index", "worklist-api:item-list", "worklist-api:counts",
    "documents:index", "documents-api:document-list", "mappings:index", "mappings-api:sets", "mappings:master_data",
    "connectors:index", "connectors-api:connector-list", "reporting:reconciliation_list", "sync:index",
    "access-api:token-list",
)  # fmt: skip
DE_MARKER = "R-DE-PRIVATE-7731"


@pytest.fixture
def de_data(entities, controller):
    """A DE document (with its ledger entries) and worklist item, which the FR controller must never see."""
    from apps.documents.normalize import normalize_canonical
    from apps.documents.services import document_receive
    from apps.worklist.services import worklist_item_open
    from tests.documents.examples import minimal_report

    canonical = normalize_canonical(minimal_report(id=DE_MARKER, entity="DE"))
    document, _ = document_receive(
        canonical=canonical, connector_slug="hooks", source_system="generic", raw_payload={}, actor="test"
    )
    worklist_item_open(category="mapping_missing", subject_key=document.idempotency_key,
                       message=f"{DE_MARKER} lacks a mapping", document=document)  # fmt: skip
    return document


@pytest.mark.parametrize("name", LIST_URLS)
def test_hostile_filter_values_are_harmless(client_for, controller, de_data, name):
    web = client_for(controller)
    for value_name, value in HOSTILE_VALUES.items():
        for param in FILTER_PARAMS:
            response = web.get(reverse(name), {param: value})
            allowed = (200, 400, 404) if param == "cursor" else (200, 400)  # DRF: an unreadable cursor → 404
            assert response.status_code in allowed, f"{name}?{param}={value_name}: {response.status_code}"
            assert DE_MARKER not in response.content.decode(), f"{name}?{param}={value_name} showed DE data"


def test_the_de_marker_is_visible_to_those_allowed_so_its_absence_means_something(client_for, auditor, de_data):
    web = client_for(auditor)
    for name in ("documents:index", "worklist:index", "ledger:index"):
        assert DE_MARKER in web.get(reverse(name)).content.decode(), name


def test_reconciliation_detail_filters_are_harmless(client_for, controller, entities):
    from tests.reporting.samples import build_samples

    run = build_samples(entities)["reconciliation"]
    web = client_for(controller)
    for value in HOSTILE_VALUES.values():
        for param in ("q", "kind", "page"):
            response = web.get(reverse("reporting:reconciliation_detail", kwargs={"pk": run.pk}), {param: value})
            assert response.status_code in (200, 400), (param, value[:20], response.status_code)
