"""IT's credential rotation in Chromium, against a live Odoo (the sandbox over XML-RPC): Odoo issues a new API key
to replace the connector's password. IT pastes it with a typo first: the test against Odoo fails and activation
is refused, the old password stays in use; IT revokes that version, stores the right key, tests it against Odoo
(passes), activates it — the old version is retired — and the connector's own connection test now runs on the
new key. No page ever shows either secret.
"""

import pytest

from apps.connectors.models import CredentialVersion
from apps.connectors.services import credential_secret_for_use
from tests.connectors.factories import odoo_connector
from tests.sync.conftest import sandboxes  # noqa: F401  (fixture: the Odoo sandbox processes)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def odoo(sandboxes, it_admin, entities):  # noqa: F811
    sandbox = sandboxes(17)
    sandbox.reset()
    connector = odoo_connector(owner=it_admin, url=sandbox.url, database=sandbox.database, login=sandbox.login,
                               secret=sandbox.password, entities=[entities["FR"]], slug="odoo-fr")  # fmt: skip
    return sandbox, connector


def _act(page, action: str, version: int, reason: str) -> None:
    form = page.get_by_test_id(f"{action}-v{version}")
    form.locator("input[name=reason]").fill(reason)
    with page.expect_navigation():
        form.locator("button").click()


def _store(page, secret: str, reason: str) -> None:
    page.get_by_test_id("add-version").click()
    page.fill("#id_secret", secret)
    page.fill("#id_reason", reason)
    with page.expect_navigation():
        page.get_by_test_id("store-secret").click()


def test_it_rotates_the_odoo_secret_with_test_and_activate(page, login, screenshot, odoo):
    sandbox, connector = odoo
    new_key = sandbox.create_api_key(sandbox.login)  # issued in Odoo by its administrator
    typo = new_key[:-1] + ("0" if new_key[-1] != "0" else "1")

    login(page, "itadmin")
    page.wait_for_url("**/dashboard/")
    page.goto("/connectors/")
    screenshot(page, "journey-it-1-connectors")
    page.click("text=Odoo odoo-fr")
    page.click("text=Password")
    credential_url = page.url

    _store(page, typo, "Odoo API key instead of the admin password")
    assert page.get_by_test_id("status-v2").inner_text() == "pending"
    _act(page, "test", 2, "Check against Odoo before switching")
    row = page.locator("tr[data-version='2']")
    assert "failed" in row.inner_text()
    _act(page, "activate", 2, "Switch over")
    assert page.get_by_test_id("status-v2").inner_text() == "pending"  # refused: its test did not pass
    assert "activated only after a passing test" in page.content()
    assert page.get_by_test_id("status-v1").inner_text() == "active"
    assert credential_secret_for_use(connector) == sandbox.password
    screenshot(page, "journey-it-2-test-failed")
    _act(page, "revoke", 2, "Typo in the pasted key")
    assert page.get_by_test_id("status-v2").inner_text() == "revoked"

    _store(page, new_key, "Odoo API key instead of the admin password")
    assert page.get_by_test_id("status-v3").inner_text() == "pending"
    _act(page, "test", 3, "Check against Odoo before switching")
    assert "passed" in page.locator("tr[data-version='3']").inner_text()
    _act(page, "activate", 3, "Switch over")
    assert page.get_by_test_id("status-v3").inner_text() == "active"
    assert page.get_by_test_id("status-v1").inner_text() == "retired"
    screenshot(page, "journey-it-3-active")

    assert credential_secret_for_use(connector) == new_key
    assert CredentialVersion.objects.get(credential__connector=connector, version=3).test_ok is True
    page.goto(f"/connectors/{connector.slug}/")
    with page.expect_navigation():
        page.get_by_test_id("run-test").click()
    connector.refresh_from_db()
    assert connector.health_ok is True, connector.health_message  # the connector now talks to Odoo on the key
    screenshot(page, "journey-it-4-connection-test")

    for url in (credential_url, "/connectors/", f"/connectors/{connector.slug}/"):
        page.goto(url)
        for secret in (new_key, typo):  # (the old password is "admin", a word every page holds)
            assert secret not in page.content(), f"a secret is shown on {url}"
