"""The WSGI application sends webhook deliveries through a lean middleware chain (integration_console/wsgi_hooks):
the same answers, ledger entries, correlation ids and security headers, without the browser's middleware."""

import io
import json
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.wsgi import get_wsgi_application

from apps.documents.models import Document
from apps.ledger.models import LedgerEntry
from integration_console.wsgi_hooks import route_hooks
from tests.sync import helpers

pytestmark = pytest.mark.django_db(transaction=True)  # the handler closes connections after each request


@pytest.fixture(scope="module")
def app():
    return route_hooks(get_wsgi_application())


@pytest.fixture
def source(entities, it_admin):
    return helpers.webhook_connector(it_admin, entities=list(entities.values()))


def call(app, method: str, path: str, body: bytes = b"", meta: dict | None = None) -> tuple[int, dict, bytes]:
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "CONTENT_TYPE": "application/json",
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body), **(meta or {})}  # fmt: skip
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    content = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], content


def test_a_delivery_is_stored_with_the_correlation_id_and_security_headers_of_its_answer(app, source):
    body, meta = helpers.signed(helpers.report("R-WSGI"))
    status, headers, content = call(app, "POST", "/hooks/platform/", body, meta)
    assert status == 202, content
    assert json.loads(content)["document"] == "platform:expense_report:R-WSGI:1"
    assert Document.objects.filter(source_id="R-WSGI").exists()
    entry = LedgerEntry.objects.get(kind="document.received", source_id="R-WSGI")
    assert entry.correlation_id == headers["X-Correlation-ID"]
    assert headers["X-Content-Type-Options"] == "nosniff" and "Permissions-Policy" in headers
    # None of the browser's middleware ran: no session cookie, no Vary on it, no page policy.
    assert "Set-Cookie" not in headers and "Cookie" not in headers.get("Vary", "")
    assert "Content-Security-Policy" not in headers


def test_refusals_answer_as_before(app, source):
    body, meta = helpers.signed(helpers.report("R-BAD"), secret="whsec_" + "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==")
    status, _, content = call(app, "POST", "/hooks/platform/", body, meta)
    assert status == 401 and json.loads(content)["status"] == "refused"
    body, meta = helpers.signed(helpers.report("R-NONE"))
    assert call(app, "POST", "/hooks/nobody/", body, meta)[0] == 404
    assert call(app, "GET", "/hooks/platform/")[0] == 405
    assert not Document.objects.exists()


def test_every_other_path_keeps_the_full_chain(app):
    status, headers, _ = call(app, "GET", "/login/")
    assert status == 200
    assert "Content-Security-Policy" in headers and headers["X-Frame-Options"] == "DENY"


def test_a_middleware_with_hooks_the_lean_chain_does_not_run_is_refused(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from integration_console import wsgi_hooks

    monkeypatch.setattr(wsgi_hooks, "HOOK_MIDDLEWARE", [*wsgi_hooks.HOOK_MIDDLEWARE,
                                                        "django.middleware.csrf.CsrfViewMiddleware"])  # fmt: skip
    with pytest.raises(ImproperlyConfigured, match="CsrfViewMiddleware"):
        wsgi_hooks.HookHandler()


def test_deliveries_resolve_against_the_hooks_only_urlconf(app, source, monkeypatch):
    from django.core.handlers import base

    seen = []
    real = base.get_resolver
    monkeypatch.setattr(base, "get_resolver", lambda urlconf=None: seen.append(urlconf) or real(urlconf))
    body, meta = helpers.signed(helpers.report("R-URLCONF"))
    assert call(app, "POST", "/hooks/platform/", body, meta)[0] == 202
    assert seen and set(seen) == {"integration_console.hook_urls"}
    # A path under /hooks/ that is no hook gets the site's own 404 page, and the site's URLconf still has the hook.
    status, _, content = call(app, "POST", "/hooks/platform/extra/", body, meta)
    assert status == 404 and b"<html" in content.lower()
    from django.urls import reverse

    assert reverse("hooks:receive", kwargs={"slug": "platform"}) == "/hooks/platform/"


def test_the_connection_health_check_is_skipped_only_right_after_an_answered_delivery(source, monkeypatch):
    from django.db import connection

    app = route_hooks(get_wsgi_application())  # a handler of its own: no delivery answered yet
    checks = []
    real = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or real())
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    connection.close()  # the next connection takes the setting

    def deliver(source_id):
        connection.ensure_connection()  # a connection kept from the last request, as CONN_MAX_AGE keeps it
        body, meta = helpers.signed(helpers.report(source_id))
        assert call(app, "POST", "/hooks/platform/", body, meta)[0] == 202

    deliver("R-H1")
    first = len(checks)
    assert first >= 1  # nothing answered yet: the kept connection is checked (the task's enqueue checks again)
    deliver("R-H2")
    assert len(checks) == first  # answered a moment ago: trusted
    monkeypatch.setattr("integration_console.wsgi_hooks.RECENTLY", 0.0)
    deliver("R-H3")
    assert len(checks) == first + 1
