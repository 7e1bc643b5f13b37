"""The finance controller's month-end in Chromium, as far as the UI goes today: dashboard → worklist → the item
held for a missing tax mapping → the mapping set: draft, rule, submit → a second controller approves → the
approval's follow-up re-drives the item, the pipeline (a stand-in engine that posts and resolves, as the real
one does when the document posts) clears it → the worklist no longer lists it.
"""

import pytest

from tests.mappings.conftest import approver, fr_cache  # noqa: F401  (fixtures of `held`)
from tests.mappings.test_browser import held  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _posting_engine(item, *, actor, dry_run):
    """What the flow engine does when the re-driven document posts: the item closes as auto-resolved."""
    from apps.worklist import redrive
    from apps.worklist.services import worklist_items_resolve_for

    if not dry_run:
        worklist_items_resolve_for(subject_key=item.subject_key, actor=actor, note="posted to Odoo after re-drive")
    return redrive.RedriveResult(True, "posted")


def test_controller_month_end_fix_mapping_approval_and_item_clears(page, login, screenshot, held, monkeypatch):  # noqa: F811
    from apps.mappings.models import MappingSetVersion
    from apps.mappings.services.followup import mapping_version_followup
    from apps.worklist import redrive

    item = held["item"]
    login(page, "controller")
    page.wait_for_url("**/dashboard/")
    screenshot(page, "journey-controller-1-dashboard")
    page.goto("/worklist/")
    assert "No tax_code mapping for" in page.content()
    screenshot(page, "journey-controller-2-worklist")
    with page.expect_navigation():
        page.click(f"a[href='/worklist/items/{item.pk}/']")
    assert "No tax_code mapping for 'FR-10'" in page.get_by_test_id("item-message").inner_text()
    assert page.get_by_test_id("item-status").inner_text() != "Resolved"
    screenshot(page, "journey-controller-3-item")

    page.goto("/mappings/")
    page.click("text=FR tax_code")
    page.get_by_test_id("open-draft").click()
    page.fill("#id_source_value", "FR-10")
    page.get_by_test_id("target-search").fill("FR-10")
    page.wait_for_selector("[data-testid=target-select] option[value='42']", state="attached")
    page.get_by_test_id("target-select").select_option("42")
    page.get_by_test_id("save-rule").click()
    page.get_by_test_id("submit-reason").fill("Reduced VAT rate for meals")
    page.get_by_test_id("submit").click()
    assert page.get_by_test_id("maker-notice").is_visible()
    screenshot(page, "journey-controller-4-submitted")
    version_url = page.url

    page.click("text=Log out")
    login(page, "approver")
    page.wait_for_url("**/dashboard/")
    page.goto(version_url)
    page.get_by_test_id("decision-reason").fill("Matches the VAT return")
    page.get_by_test_id("approve").click()
    assert page.get_by_test_id("status").first.inner_text() == "Active"
    screenshot(page, "journey-controller-5-approved")

    # The follow-up task of the approval (queued on commit in production) runs with the posting stand-in.
    monkeypatch.setitem(redrive._registry, "redrive", _posting_engine)
    version = MappingSetVersion.objects.get(mapping_set=held["set"], status="active")
    mapping_version_followup(version_id=version.pk, actor=version.approver)

    page.click("text=Log out")
    login(page, "controller")
    page.wait_for_url("**/dashboard/")
    page.goto(f"/worklist/items/{item.pk}/")
    assert page.get_by_test_id("item-status").inner_text() == "Resolved"
    assert "posted to Odoo after re-drive" in page.get_by_test_id("item-resolution").inner_text()
    page.goto("/worklist/")
    assert page.locator(f"a[href='/worklist/items/{item.pk}/']").count() == 0
    screenshot(page, "journey-controller-6-cleared")
