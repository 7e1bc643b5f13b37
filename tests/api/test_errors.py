"""Every API error has one shape — {"error": {"code", "message", "fields"}} — and bad input is never a 500."""

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.urls("tests.api.error_urls")


def error_of(response) -> dict:
    body = response.json()
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert body["detail"] == body["error"]["message"]
    return body["error"]


def test_400_carries_the_invalid_fields(client_for, controller):
    response = client_for(controller).post("/api/v1/access/tokens/", {"expires_in_days": "x"}, "application/json")
    error = error_of(response)
    assert response.status_code == 400 and error["code"] == "invalid"
    assert set(error["fields"]) == {"name", "expires_in_days"}


def test_unreadable_json_is_a_400_parse_error(client_for, controller):
    response = client_for(controller).post("/api/v1/access/tokens/", "{not json", "application/json")
    assert response.status_code == 400 and error_of(response)["code"] == "parse_error"


def test_401_without_credentials(db):
    response = Client().get("/api/v1/ledger/entries/")
    assert response.status_code == 401 and error_of(response)["code"] == "not_authenticated"


def test_403_without_the_permission(client_for, outsider):
    response = client_for(outsider).get("/api/v1/ledger/entries/")
    assert response.status_code == 403 and error_of(response)["code"] == "permission_denied"


def test_404_for_an_unknown_api_address_is_json_too(client_for, controller):
    response = client_for(controller).get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "not_found"


def test_404_for_a_missing_object(client_for, controller):
    response = client_for(controller).get("/api/v1/access/tokens/999999/")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_405_names_the_allowed_methods(client_for, controller):
    response = client_for(controller).put("/api/v1/access/tokens/", {}, "application/json")
    assert response.status_code == 405 and error_of(response)["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("django-validation", 400, "invalid"),
        ("access-denied", 403, "permission_denied"),
        ("missing", 404, "not_found"),
        ("integrity", 409, "conflict"),
        ("conflict", 409, "run_in_progress"),
        ("unprocessable", 422, "unprocessable"),
        ("throttled", 429, "throttled"),
    ],
)
def test_service_exceptions_map_to_their_status(client_for, controller, kind, status, code):
    response = client_for(controller).get(f"/api/test/fails/{kind}/")
    assert response.status_code == status and error_of(response)["code"] == code


def test_django_validation_error_keeps_field_and_general_messages(client_for, controller):
    error = error_of(client_for(controller).get("/api/test/fails/django-validation/"))
    assert error["fields"] == {"amount": "Must be positive."} and error["message"] == "Lines do not add up."


def test_access_denied_keeps_the_services_message(client_for, controller):
    error = error_of(client_for(controller).get("/api/test/fails/access-denied/"))
    assert "maker-checker" in error["message"]


def test_a_database_conflict_reveals_no_table_or_column(client_for, controller):
    response = client_for(controller).get("/api/test/fails/integrity/")
    assert "secret_" not in response.content.decode()


def test_throttling_says_when_to_come_back(client_for, controller):
    assert client_for(controller).get("/api/test/fails/throttled/")["Retry-After"] == "7"


def test_a_bug_is_a_json_500_without_internals(client_for, controller):
    client = client_for(controller)
    client.raise_request_exception = False
    response = client.get("/api/test/fails/bug/")
    error = error_of(response)
    assert response.status_code == 500 and error["code"] == "server_error"
    assert "hunter2" not in response.content.decode() and "ValueError" not in response.content.decode()
    assert response["X-Correlation-ID"] in error["message"]


def test_an_older_app_error_body_gains_the_error_object_and_keeps_its_keys(client_for, controller):
    response = client_for(controller).get("/api/test/legacy/")
    body = response.json()
    assert body["fields"] == {"amount_min": "A number."}
    assert body["error"] == {
        "code": "invalid",
        "message": "Invalid input; nothing was changed.",
        "fields": {"amount_min": "A number."},
    }


def test_an_oversized_body_is_a_413(client_for, controller, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    payload = json.dumps({"name": "x" * 5000})
    response = client_for(controller).post("/api/test/fails/any/", payload, content_type="application/json")
    assert response.status_code == 413 and error_of(response)["code"] == "payload_too_large"
