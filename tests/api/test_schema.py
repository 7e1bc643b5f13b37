"""The OpenAPI schema and the interactive docs: served to signed-in users, from our own static files."""

import contextlib
import io
import re

import yaml
from django.test import Client

from apps.access.tokens import api_token_create


def test_schema_endpoint_serves_openapi_3_with_every_api_path(client_for, auditor):
    response = client_for(auditor).get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    assert {"/api/v1/access/tokens/", "/api/v1/ledger/entries/", "/api/v1/worklist/items/"} <= paths
    assert schema["components"]["securitySchemes"]["bearerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["bearerToken"]["description"],
    }


def test_schema_is_also_served_as_json_and_to_a_token(auditor):
    issued = api_token_create(actor=auditor, name="schema reader", read_only=True)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}").get("/api/schema/", {"format": "json"})
    assert response.status_code == 200 and response.json()["info"]["title"] == "Integration Console API"


def test_schema_documents_filters_and_ordering_declared_by_views(client_for, controller):
    schema = yaml.safe_load(client_for(controller).get("/api/schema/").content)
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/access/tokens/"]["get"]["parameters"]}
    assert {"cursor", "read_only", "name", "ordering"} <= set(parameters)
    assert "-created" in parameters["ordering"]["schema"]["enum"]


def test_schema_is_refused_to_anonymous_visitors(db):
    response = Client().get("/api/schema/")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


def test_docs_render_swagger_ui_from_local_static_files_only(client_for, controller):
    client = client_for(controller)
    page = client.get("/api/docs/")
    html = page.content.decode()
    assert page.status_code == 200 and '<div id="swagger-ui"></div>' in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and not [s for s in sources if s.startswith(("http:", "https:", "//"))], sources
    assert any("swagger-ui-bundle.js" in s and s.startswith("/static/") for s in sources)
    assert "<style" not in html and re.search(r"<script(?![^>]*src=)", html) is None
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


def test_docs_send_anonymous_visitors_to_the_login_page(db):
    response = Client().get("/api/docs/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_schema_generates_without_any_warning_or_error_and_validates():
    """Every view documents its answers: drf-spectacular's warnings and errors (an undocumented view, a guessed
    field type, a name clash) fail here, as does an invalid OpenAPI document."""
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    with contextlib.redirect_stderr(io.StringIO()) as messages:
        schema = SchemaGenerator().get_schema(request=None, public=True)
        GENERATOR_STATS.emit_summary()
    assert not GENERATOR_STATS, f"schema warnings/errors:\n{messages.getvalue()}"
    validate_schema(schema)


def test_operation_ids_are_unique_and_never_numbered_by_the_generator():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    ids = [op["operationId"] for path in schema["paths"].values() for op in path.values() if "operationId" in op]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, duplicates
    # A collision resolved by the generator shows as a numeral suffix (connectors_retrieve_2).
    assert not [i for i in ids if re.search(r"_\d+$", i)], ids


def test_every_api_operation_documents_a_success_answer():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if not any(code.startswith("2") for code in operation.get("responses", {}))
    ]
    assert not undocumented, undocumented
