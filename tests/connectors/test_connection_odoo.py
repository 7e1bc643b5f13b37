"""Connection tests and rotation against a live Odoo over real sockets: the REAL Odoo 11 (ODOO11_* or
127.0.0.1:8069 odoo11 admin/admin) and the Odoo sandbox (when sandbox.odoo.testing is built)."""

import logging
import os
import socket

import pytest
from django.urls import reverse

from apps.connectors.errors import ConnectorError
from apps.connectors.services import (
    connector_is_paused,
    connector_test,
    credential_version_activate,
    credential_version_add,
    credential_version_test,
)
from apps.ledger.models import LedgerEntry
from tests.connectors.factories import odoo_connector
from tests.services import required_service

pytest_plugins = ["tests.contract.odoo_targets"]

URL = os.environ.get("ODOO11_URL", "http://127.0.0.1:8069")
DB, LOGIN, PASSWORD = (
    os.environ.get(k, d) for k, d in (("ODOO11_DB", "odoo11"), ("ODOO11_LOGIN", "admin"), ("ODOO11_PASSWORD", "admin"))
)
WRONG = "Wrong-Odoo-Password-71c3b2"


def _answers(url: str) -> bool:
    host, _, port = url.split("//")[1].partition(":")
    try:
        with socket.create_connection((host, int(port.strip("/") or 80)), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def odoo11(it_admin, entities):
    required_service("odoo11", _answers(URL), f"nothing answers on {URL}")
    return odoo_connector(owner=it_admin, url=URL, database=DB, login=LOGIN, secret=PASSWORD, entities=[entities["US"]])


@pytest.mark.odoo11
def test_real_odoo11_connection_test_reports_version_user_companies_and_rights(odoo11, it_admin):
    report = connector_test(connector=odoo11, actor=it_admin, reason="go-live check")
    assert report["ok"] is True, report["message"]
    assert report["server_version"].startswith("11.")
    details = report["details"]
    assert details["database"] == DB and details["user"]["login"] == LOGIN
    assert details["companies"] and isinstance(details["missing_rights"], list)
    odoo11.refresh_from_db()
    assert odoo11.health_state == "ok" and odoo11.health_server_version.startswith("11.")
    assert LedgerEntry.objects.filter(kind="connector.tested", outcome="ok", connector=odoo11.slug).exists()


@pytest.mark.odoo11
def test_real_odoo11_test_button_shows_the_report(odoo11, it_admin, client_for):
    client = client_for(it_admin)
    response = client.post(reverse("connectors:test", kwargs={"slug": odoo11.slug}), follow=True)
    page = response.content.decode()
    assert "Connected to Odoo 11" in page and "Missing access rights" in page and DB in page


@pytest.mark.odoo11
def test_real_odoo11_wrong_password_pauses_the_connector_and_is_never_logged(it_admin, caplog):
    required_service("odoo11", _answers(URL), f"nothing answers on {URL}")
    caplog.set_level(logging.DEBUG)
    connector = odoo_connector(owner=it_admin, url=URL, database=DB, login=LOGIN, secret=WRONG, slug="odoo-bad")
    report = connector_test(connector=connector, actor=it_admin)
    assert report["ok"] is False and report["auth_failed"] is True
    assert connector_is_paused(connector)
    assert WRONG not in caplog.text and WRONG not in str([r.args for r in caplog.records])


@pytest.mark.odoo11
def test_real_odoo11_rotation_activates_only_a_secret_the_live_system_accepts(odoo11, it_admin):
    wrong = credential_version_add(connector=odoo11, kind="password", secret=WRONG, reason="rotate", actor=it_admin)
    assert credential_version_test(version=wrong, reason="try", actor=it_admin)["ok"] is False
    with pytest.raises(ConnectorError):
        credential_version_activate(version=wrong, reason="switch", actor=it_admin)
    from apps.connectors.services import credential_version_revoke

    credential_version_revoke(version=wrong, reason="typo", actor=it_admin)
    good = credential_version_add(connector=odoo11, kind="password", secret=PASSWORD, reason="again", actor=it_admin)
    assert credential_version_test(version=good, reason="try", actor=it_admin)["ok"] is True
    assert credential_version_activate(version=good, reason="switch", actor=it_admin).status == "active"


def test_sandbox_connection_test_reports_version_and_companies(sandboxes, it_admin):
    sandbox = sandboxes(17)
    connector = odoo_connector(
        owner=it_admin,
        url=sandbox.url,
        database=sandbox.database,
        login=sandbox.login,
        secret=sandbox.password,
        slug="odoo-sandbox",
    )
    report = connector_test(connector=connector, actor=it_admin)
    assert report["ok"] is True, report["message"]
    assert report["server_version"].startswith("17") and len(report["details"]["companies"]) >= 1
