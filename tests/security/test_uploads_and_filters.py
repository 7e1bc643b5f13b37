"""Uploads are size- and type-checked (a clear error, nothing imported); hostile filter values are harmless.

Filters: every list page and API list answers 200 or 400 (never 500) to SQL-like, 10 kB and odd-unicode values,
and shows the FR controller nothing of entity DE whatever the filter says.
"""

import io
from html.parser import HTMLParser

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


def _xlsx_bomb(rows: int = 3_000_000) -> bytes:
    """A valid workbook of a few hundred KB whose sheet unzips to ~150 MB of rows (a "zip bomb")."""
    import zipfile

    ns = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<Relationships {ns}><Relationship Id="rId1" Target="xl/workbook.xml" Type='
        '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>',
        "xl/workbook.xml": '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r='
        '"http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships {ns}><Relationship Id="rId1" Target="worksheets/sheet1.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            sheet.write(b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * rows)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


BAD_DOCUMENT_FILES = {
    "oversized": ("big.csv", _oversized_csv, "larger than"),
    "executable": ("tool.exe", lambda: GOOD_CSV.encode(), ".csv or .xlsx"),
    "html": ("page.html", lambda: GOOD_CSV.encode(), ".csv or .xlsx"),
    "binary": ("photo.csv", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe" * 50, "UTF-8"),
    "fake xlsx": ("sheet.xlsx", lambda: b"not a zip at all", ""),
    "xlsx bomb": ("sheet.xlsx", _xlsx_bomb, "unzips to more than"),
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
    "fake xlsx": ("rules.xlsx", lambda: b"not a zip at all", "not a readable .xlsx"),
    "xlsx bomb": ("rules.xlsx", _xlsx_bomb, "unzips to more than"),
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
    "superscript digits": "²³",  # str.isdigit() says yes, int() says no
    "huge number": "9" * 30,  # beyond every database integer
}
# The filter names the lists use between them (a list ignores the ones it does not know); each page's own GET
# form fields and each API operation's declared query parameters are added to these.
FILTER_PARAMS = (
    "q", "search", "kind", "entity", "connector", "source_id", "state", "status", "category", "dimension",
    "ordering", "cursor", "date_from", "page", "limit", "page_size", "before", "after", "days",
)  # fmt: skip
# The lists every sweep must reach (a guard against the discovery below finding nothing).
KNOWN_LISTS = (
    "ledger:index", "ledger-api:entry-list", "worklist:index", "worklist-api:item-list", "worklist-api:counts",
    "documents:index", "documents-api:document-list", "mappings:index", "mappings-api:sets", "mappings:master_data",
    "connectors:index", "connectors-api:connector-list", "reporting:reconciliation_list", "sync:index",
    "access-api:token-list",
)  # fmt: skip


def list_urls() -> list[str]:
    """Every GET URL of the URL × role matrix that the FR controller may open and that takes no path argument:
    the list pages and API lists (and the other query-driven pages), found, not hand-picked."""
    from tests.access.url_matrix import CONTROLLER, URLS

    return sorted(
        name
        for name, route in URLS.items()
        if route.method == "GET"
        and CONTROLLER in route.allowed
        and not _path_args(route)
        and not name.startswith("api-")
    )  # fmt: skip  (the schema and its docs page: no data)


def _path_args(route) -> bool:
    try:
        return bool(route.kwargs({}))
    except KeyError:  # the arguments come from the samples: a detail URL
        return True


class _GetFormFields(HTMLParser):
    """Names of the fields of every method=get form of a page (its filters)."""

    def __init__(self):
        super().__init__()
        self.names, self._in_get_form = set(), False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_get_form = (attrs.get("method") or "get").lower() == "get"
        elif tag in ("input", "select", "textarea") and self._in_get_form and attrs.get("name"):
            self.names.add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_get_form = False


def page_filters(html: str) -> set[str]:
    parser = _GetFormFields()
    parser.feed(html)
    return parser.names - {"csrfmiddlewaretoken"}


def api_filters(web) -> dict[str, set[str]]:
    """{path: query parameter names} of every GET operation of the live OpenAPI schema."""
    schema = web.get(reverse("api-schema"), {"format": "json"}).json()
    return {
        path: {p["name"] for p in operation["get"].get("parameters", []) if p.get("in") == "query"}
        for path, operation in schema["paths"].items()
        if "get" in operation
    }


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


def test_the_sweep_finds_every_known_list():
    missing = sorted(set(KNOWN_LISTS) - set(list_urls()))
    assert not missing, f"these lists are no longer swept: {missing}"


def _text(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", "replace")


def _sweep(web, url: str, params: set[str], where: str) -> list[str]:
    """Harmless: the page's usual answer, or a clear 400 / 404 (an unknown entity, an unreadable cursor) — never
    a 5xx, and never data of an entity outside the user's scope."""
    web.raise_request_exception = False  # a 500 is recorded with the others, not raised at the first one
    baseline = web.get(url).status_code
    problems = []
    for value_name, value in HOSTILE_VALUES.items():
        for param in sorted(params):
            response = web.get(url, {param: value})
            if response.status_code not in {baseline, 200, 400, 404}:
                problems.append(f"{where}?{param}={value_name}: {response.status_code}")
            elif DE_MARKER in _text(response):
                problems.append(f"{where}?{param}={value_name} showed DE data")
    return problems


@pytest.mark.parametrize("name", list_urls())
def test_hostile_filter_values_are_harmless_on_every_list(client_for, controller, de_data, name):
    from tests.access.url_matrix import URLS

    web = client_for(controller)
    url = reverse(name)
    try:
        first = web.get(url, URLS[name].data({}))
    except KeyError:  # its sample query needs the samples; the page itself is enough to read its form
        first = web.get(url)
    params = set(FILTER_PARAMS)
    if first.get("Content-Type", "").startswith("text/html"):
        params |= page_filters(first.content.decode())
    problems = _sweep(web, url, params, name)
    assert not problems, problems


def test_hostile_values_in_every_declared_api_query_parameter_are_harmless(client_for, controller, de_data, settings):
    """Each GET operation of the API schema that takes no path argument, with each parameter it declares."""
    settings.API_THROTTLE_RATES = {"user": None, "anon": None}  # hundreds of requests: the sweep, not a flood
    web = client_for(controller)
    operations = {path: params for path, params in api_filters(web).items() if "{" not in path}
    assert len(operations) >= 8 and any(params for params in operations.values())
    problems = []
    for path, params in sorted(operations.items()):
        problems += _sweep(web, path, params | {"ordering", "cursor"}, path)
    assert not problems, problems


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


# Query parameters the detail pages and API details read (previews, diffs, pickers, pagers), beyond their forms.
DETAIL_PARAMS = ("q", "kind", "page", "days", "against", "format", "target_id", "worklist_item", "cursor")


def detail_urls() -> list[str]:
    from tests.access.url_matrix import CONTROLLER, URLS

    return sorted(name for name, route in URLS.items()
                  if route.method == "GET" and CONTROLLER in route.allowed and _path_args(route))  # fmt: skip


def test_hostile_query_values_are_harmless_on_every_detail_page_and_api_detail(
    client_for, controller, de_data, entities, settings
):
    """The same values on every GET URL with a path argument (the samples of the URL × role matrix)."""
    from tests.access.samples import build_samples
    from tests.access.url_matrix import URLS

    settings.API_THROTTLE_RATES = {"user": None, "anon": None}
    samples = build_samples(entities)
    web = client_for(controller)
    names = detail_urls()
    assert {"worklist:item", "mappings:version_preview", "ledger:entry_detail", "documents:detail"} <= set(names)
    problems = []
    for name in names:
        url = reverse(name, kwargs=URLS[name].kwargs(samples))
        first = web.get(url)
        params = set(DETAIL_PARAMS)
        if first.get("Content-Type", "").startswith("text/html"):
            params |= page_filters(first.content.decode())
        problems += _sweep(web, url, params, name)
    assert not problems, problems


# --- webhook headers -------------------------------------------------------------------------------------
HOSTILE_HEADERS = {
    "webhook-timestamp": ("²³", "9" * 30, "-1", "' OR 1=1 --", ""),
    "webhook-id": ("' OR 1=1 --", "x" * 10_240, "\u202e"),
    "webhook-signature": ("v1,' OR 1=1 --", "v1," + "A" * 10_240, "v2,abc", ""),
}


def test_hostile_webhook_headers_are_refused_cleanly_and_store_nothing(client, it_admin, entities):
    import json
    import time

    from apps.documents.webhooks import sign
    from tests.connectors.factories import webhook_connector
    from tests.documents.examples import minimal_report
    from tests.sync.helpers import WEBHOOK_SECRET

    connector, _, _ = webhook_connector(
        owner=it_admin, entities=[entities["FR"]], slug="hostile-hooks", secret=WEBHOOK_SECRET
    )
    body = json.dumps(minimal_report(id="R-HEADERS")).encode()
    good = sign(WEBHOOK_SECRET, "msg_hostile", int(time.time()), body)
    url = reverse("hooks:receive", kwargs={"slug": connector.slug})
    client.raise_request_exception = False
    problems = []
    for header, values in HOSTILE_HEADERS.items():
        for value in values:
            headers = {**good, header: value}
            meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
            response = client.post(url, body, content_type="application/json", **meta)
            if response.status_code not in (400, 401, 403):
                problems.append(f"{header}={value[:20]!r}: {response.status_code}")
    assert not problems, problems
    assert _document_count() == 0
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in good.items()}
    assert client.post(url, body, content_type="application/json", **meta).status_code in (200, 202)  # the control
