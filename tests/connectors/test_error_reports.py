"""A crash while a secret is being handled: the error page and the error report (what Django's AdminEmailHandler
would mail) contain no secret — POST parameters and local variables are marked sensitive."""

import logging

import pytest
from django.urls import reverse
from django.views.debug import ExceptionReporter

from apps.connectors import vault

SECRET = "Crash-Secret-Value-9d8c7b6a5f"


@pytest.fixture
def crashing_vault(monkeypatch, settings):
    settings.DEBUG = False

    def broken(*args, **kwargs):
        raise RuntimeError("keyring exploded")

    monkeypatch.setattr(vault, "keyring", broken)


def _report(caplog) -> str:
    record = next(r for r in caplog.records if r.name == "django.request" and r.levelno == logging.ERROR)
    reporter = ExceptionReporter(record.request, *record.exc_info, is_email=True)
    return reporter.get_traceback_text() + reporter.get_traceback_html()


def test_crash_while_storing_a_secret_leaks_it_nowhere(client_for, hooks, it_admin, crashing_vault, caplog):
    connector, _ = hooks
    client = client_for(it_admin)
    client.raise_request_exception = False
    url = reverse("connectors:credential_add", kwargs={"slug": connector.slug})
    response = client.post(url, {"kind": "webhook_secret", "secret": SECRET, "reason": "rotation"})
    assert response.status_code == 500 and SECRET not in response.content.decode()
    report = _report(caplog)
    assert "keyring exploded" in report and "credential_version_add" in report
    assert SECRET not in report and SECRET not in caplog.text
    assert "********" in report  # the cleansing really ran


def test_crash_while_registering_through_the_api_leaks_it_nowhere(client_for, it_admin, crashing_vault, caplog):
    client = client_for(it_admin)
    client.raise_request_exception = False
    data = {
        "name": "P",
        "slug": "p",
        "kind": "expense_platform",
        "adapter": "generic_webhook",
        "initial_secret": SECRET,
    }
    response = client.post(reverse("connectors-api:connector-list"), data, content_type="application/json")
    assert response.status_code == 500 and SECRET not in response.content.decode()
    assert SECRET not in _report(caplog)
