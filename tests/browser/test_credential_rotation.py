"""IT rotates a webhook signing secret end to end in the browser, with four-eyes approval by a second IT user.

The secret is typed once; no page shown afterwards contains it, and the old secret stays accepted for inbound
signatures during the grace period.
"""

import pytest

from apps.connectors.models import CredentialVersion
from apps.connectors.services import connector_grant, webhook_secrets_accepted
from tests.connectors.factories import WEBHOOK_SECRET, webhook_connector

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_SECRET = "whsec-Browser-Rotated-5e6f7a8b9c0d"


@pytest.fixture
def guarded(it_admin, entities):
    from apps.access.services import user_ensure
    from tests.conftest import PASSWORD

    partner = user_ensure(reason="test fixture", username="itother", password=PASSWORD, role="integration_admin")
    connector, _, _ = webhook_connector(owner=it_admin, slug="platform", four_eyes=True, entities=[entities["FR"]])
    connector_grant(connector=connector, user=partner, actor=it_admin, reason="four-eyes partner")
    return connector


def _act(page, action: str, version: int, reason: str) -> None:
    form = page.get_by_test_id(f"{action}-v{version}")
    form.locator("input[name=reason]").fill(reason)
    form.locator("button").click()
    page.wait_for_load_state()


def test_it_rotates_a_credential_end_to_end_with_a_second_approver(page, login, screenshot, guarded):
    login(page, "itadmin")
    page.wait_for_url("**/dashboard/")
    page.goto("/connectors/")
    page.click("text=Platform platform")
    page.click("text=Webhook signing secret")
    page.get_by_test_id("add-version").click()
    page.fill("#id_secret", NEW_SECRET)
    page.fill("#id_reason", "Quarterly rotation")
    page.get_by_test_id("store-secret").click()
    assert page.get_by_test_id("status-v2").inner_text() == "pending"
    _act(page, "test", 2, "Check against the platform")
    assert "test: A webhook signing secret is in place" in page.content()
    _act(page, "activate", 2, "Switch over")
    assert "second IT user to approve" in page.content()
    assert page.get_by_test_id("status-v2").inner_text() == "pending"
    screenshot(page, "credential-rotation-pending")
    url = page.url

    page.click("text=Log out")
    login(page, "itother")
    page.wait_for_url("**/dashboard/")
    page.goto(url)
    _act(page, "approve", 2, "Reviewed the change ticket")
    _act(page, "activate", 2, "Switch over after approval")
    assert page.get_by_test_id("status-v2").inner_text() == "active"
    assert page.get_by_test_id("status-v1").inner_text() == "retired"
    assert "accepted inbound until" in page.content()
    screenshot(page, "credential-rotation-active")

    assert webhook_secrets_accepted(guarded) == [NEW_SECRET, WEBHOOK_SECRET]
    _act(page, "revoke", 1, "Platform switched to the new secret")
    assert page.get_by_test_id("status-v1").inner_text() == "revoked"
    assert webhook_secrets_accepted(guarded) == [NEW_SECRET]
    assert NEW_SECRET not in page.content() and WEBHOOK_SECRET not in page.content()
    assert CredentialVersion.objects.get(credential__connector=guarded, version=2).approved_by.username == "itother"
