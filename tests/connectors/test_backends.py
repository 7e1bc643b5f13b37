"""Adapters: options validated per adapter, and HTTP connection tests over a real loopback socket."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
from django.core.exceptions import ValidationError

from apps.connectors.backends import UnknownAdapter, get_backend

SECRET = "partner-Secret-9b8a7c6d5e4f"


def test_unknown_adapter_is_refused():
    with pytest.raises(UnknownAdapter):
        get_backend("sap_r3")


def test_odoo_options_need_a_login_and_fill_defaults():
    backend = get_backend("odoo")
    assert backend.validate_options({"login": "integration"}) == {"login": "integration", "timeout": 30.0}
    with pytest.raises(ValidationError) as caught:
        backend.validate_options({})
    assert "“login” is required" in str(caught.value.message_dict["options"])


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"login": "x", "colour": "red"}, "Unknown option “colour”"),
        ({"login": "x", "password": "admin"}, "store it as a credential"),
        ({"login": "x", "timeout": "fast"}, "must be a float"),
        ({"login": "x", "timeout": 0}, "between 1 and 300"),
        ({"login": True}, "must be a str"),
        (["login"], "must be a JSON object"),
    ],
)
def test_bad_options_are_refused_with_a_message(options, fragment):
    with pytest.raises(ValidationError) as caught:
        get_backend("odoo").validate_options(options)
    assert fragment in " ".join(caught.value.message_dict["options"])


def test_every_adapter_declares_its_sensitive_parameters_and_options():
    for name in ("odoo", "generic_webhook", "expensify", "concur", "csv_drop", "sql_reporting"):
        backend = get_backend(name)
        assert isinstance(backend.options_schema, dict)
        assert isinstance(backend.sensitive_parameters, frozenset)


def test_generic_webhook_test_passes_only_with_a_secret():
    backend = get_backend("generic_webhook")
    assert backend.test_connection(SimpleNamespace(), "s")["ok"] is True
    assert backend.test_connection(SimpleNamespace(), None)["ok"] is False


def test_csv_drop_test_checks_the_directory(tmp_path):
    backend = get_backend("csv_drop")
    (tmp_path / "a.csv").write_text("x")
    assert backend.test_connection(SimpleNamespace(options={"directory": str(tmp_path)}), None)["ok"] is True
    missing = SimpleNamespace(options={"directory": str(tmp_path / "nope")})
    assert backend.test_connection(missing, None)["ok"] is False


class Platform(BaseHTTPRequestHandler):
    """A loopback stand-in answering like the platform: status and JSON chosen per test."""

    answer = (200, {})
    seen: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        Platform.seen.append((self.path, parse_qs(body)))
        status, payload = Platform.answer
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def platform():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Platform)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Platform.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _connector(url, **options):
    return SimpleNamespace(base_url=url, options={"timeout": 5.0, **options}, slug="p")


def test_expensify_test_sends_the_partner_credentials_and_reads_policies(platform):
    Platform.answer = (200, {"responseCode": 200, "policyList": [{"id": "P1", "name": "Acme FR"}]})
    report = get_backend("expensify").test_connection(_connector(platform, partner_user_id="acme"), SECRET)
    assert report["ok"] is True and report["details"]["policies"] == [{"id": "P1", "name": "Acme FR"}]
    job = json.loads(Platform.seen[0][1]["requestJobDescription"][0])
    assert job["credentials"] == {"partnerUserID": "acme", "partnerUserSecret": SECRET}
    assert SECRET not in json.dumps(report)


def test_expensify_refusal_is_an_authentication_failure_without_the_secret(platform):
    Platform.answer = (200, {"responseCode": 407, "responseMessage": f"Bad partnerUserSecret {SECRET}"})
    report = get_backend("expensify").test_connection(_connector(platform, partner_user_id="acme"), SECRET)
    assert report["ok"] is False and report["auth_failed"] is True
    assert SECRET not in json.dumps(report)


def test_concur_test_obtains_a_token_with_client_credentials(platform):
    Platform.answer = (200, {"access_token": "tok-abc", "expires_in": 3600, "scope": "expense.report.read"})
    connector = _connector(platform, client_id="cid", token_path="/oauth2/v0/token")
    report = get_backend("concur").test_connection(connector, SECRET)
    assert report["ok"] is True and "tok-abc" not in json.dumps(report)
    path, form = Platform.seen[0]
    assert path == "/oauth2/v0/token" and form["client_secret"] == [SECRET] and form["client_id"] == ["cid"]


def test_concur_invalid_client_is_an_authentication_failure(platform):
    Platform.answer = (401, {"error": "invalid_client"})
    report = get_backend("concur").test_connection(_connector(platform, client_id="cid"), SECRET)
    assert report["ok"] is False and report["auth_failed"] is True


def test_an_unreachable_platform_gives_a_clear_message():
    report = get_backend("expensify").test_connection(_connector("http://127.0.0.1:9", partner_user_id="a"), SECRET)
    assert report["ok"] is False and "Could not connect" in report["message"]
