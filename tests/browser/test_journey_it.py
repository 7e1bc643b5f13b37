"""IT's credential rotation in Chromium: connector page → new secret version → test → activate; the connection
test runs before the switch, the old version is retired (still accepted during the grace period), and no page
ever shows either secret."""

import pytest

from apps.connectors.models import CredentialVersion
from apps.connectors.services import webhook_secrets_accepted
from tests.connectors.factories import WEBHOOK_SECRET, webhook_connector

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_SECRET = "whsec-Journey-Rotated-1a2b3c4d5e6f"


@pytest.fixture
def platform(it_admin, entities):
    connector, _, _ = webhook_connector(owner=it_admin, slug="journey", entities=[entities["FR"]])
    return connector


def _act(page, action: str, version: int, reason: str) -> None:
    form = page.get_by_test_id(f"{action}-v{version}")
    form.locator("input[name=reason]").fill(reason)
    form.locator("button").click()
    page.wait_for_load_state()


def test_it_rotates_a_secret_with_test_and_activate(page, login, screenshot, platform):
    login(page, "itadmin")
    page.wait_for_url("**/dashboard/")
    page.goto("/connectors/")
    screenshot(page, "journey-it-1-connectors")
    page.click("text=Platform journey")
    page.click("text=Webhook signing secret")
    page.get_by_test_id("add-version").click()
    page.fill("#id_secret", NEW_SECRET)
    page.fill("#id_reason", "Yearly rotation")
    page.get_by_test_id("store-secret").click()
    assert page.get_by_test_id("status-v2").inner_text() == "pending"
    assert page.get_by_test_id("status-v1").inner_text() == "active"
    screenshot(page, "journey-it-2-pending")

    _act(page, "test", 2, "Check before switching")
    assert "test: A webhook signing secret is in place" in page.content()
    _act(page, "activate", 2, "Switch over")
    assert page.get_by_test_id("status-v2").inner_text() == "active"
    assert page.get_by_test_id("status-v1").inner_text() == "retired"
    assert "accepted inbound until" in page.content()
    screenshot(page, "journey-it-3-active")

    assert webhook_secrets_accepted(platform) == [NEW_SECRET, WEBHOOK_SECRET]
    assert CredentialVersion.objects.get(credential__connector=platform, version=2).status == "active"
    for url in (page.url, "/connectors/", f"/connectors/{platform.slug}/"):
        page.goto(url)
        assert NEW_SECRET not in page.content() and WEBHOOK_SECRET not in page.content()
