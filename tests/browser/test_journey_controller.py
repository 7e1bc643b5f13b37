"""The finance controller's month-end in Chromium, end to end and real: two reports of FR are held because the
reduced VAT rate (FR-10) has no tax mapping, a third one posted. The controller goes dashboard → worklist → the
item → "Create the missing mapping rule" (the pre-filled rule page) → picks the Odoo tax and submits; a second
controller approves. The approval's follow-up task re-drives the held documents through the real pipeline into
the Odoo sandbox (django-q2 runs the tasks inline, nothing stands in for the engine); the item clears; the
controller publishes to the reporting store and reconciles November: zero differences, every side 3.
"""

import pytest

from apps.documents.models import Document
from apps.worklist.models import ACTIVE_STATUSES, WorklistItem
from tests.mappings.conftest import approver  # noqa: F401  (fixture: the second FR controller)
from tests.reporting.conftest import DATABASES
from tests.sync import helpers
from tests.sync.conftest import inline_tasks, posting_setup, sandboxes  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases=DATABASES)]
FR_10 = 3  # the sandbox's FR-10 purchase tax (account.tax id), as in tests/sync/conftest.py FR_RULES


@pytest.fixture
def month_end(posting_setup, controller, approver, inline_tasks):  # noqa: F811
    """A webhook flow of FR into the Odoo 17 sandbox; one report posted, two held for the missing FR-10 rule."""
    setup = posting_setup(version=17, trigger="webhook")
    # FR's tax codes as they stand before the fix: the reduced rate has no rule yet.
    helpers.active_mapping(setup.entity, "tax_code", controller, [("FR-20", "account.tax", 2)])
    posted = helpers.receive(setup, helpers.report("R-ME-1"))
    assert helpers.process(posted) == "posted", posted.state_reason
    held = []
    for n in (2, 3):
        line = helpers.line(f"R-ME-{n}-1", amount=f"{20 + n}.00", tax_code="FR-10", merchant="Brasserie Lipp")
        document = helpers.receive(setup, helpers.report(f"R-ME-{n}", lines=[line]))
        assert helpers.process(document) == "held", document.state
        held.append(document)
    items = list(WorklistItem.objects.filter(category="mapping_missing", status__in=ACTIVE_STATUSES).order_by("pk"))
    assert sorted(i.document_id for i in items) == sorted(d.pk for d in held), [i.subject_key for i in items]
    return {"setup": setup, "posted": posted, "held": held, "items": items, "item": items[0]}


def test_controller_month_end_fix_mapping_approval_redrive_and_clean_reconciliation(page, login, screenshot, month_end):
    setup, item, held = month_end["setup"], month_end["item"], month_end["held"]

    login(page, "controller")
    page.wait_for_url("**/dashboard/")
    screenshot(page, "journey-controller-1-dashboard")
    page.goto("/worklist/")
    assert page.locator(f"a[href='/worklist/items/{item.pk}/']").count() >= 1
    screenshot(page, "journey-controller-2-worklist")
    with page.expect_navigation():
        page.locator(f"a[href='/worklist/items/{item.pk}/']").first.click()
    assert "FR-10" in page.get_by_test_id("item-message").inner_text()
    screenshot(page, "journey-controller-3-item")

    with page.expect_navigation():
        page.click("text=Create the missing mapping rule")
    assert "/mappings/rules/new/" in page.url
    assert page.input_value("#id_source_value") == "FR-10"  # pre-filled from the item
    page.get_by_test_id("target-search").fill("10")
    page.wait_for_selector(f"[data-testid=target-select] option[value='{FR_10}']", state="attached")
    page.get_by_test_id("target-select").select_option(str(FR_10))
    page.get_by_test_id("rule-reason").fill("Reduced VAT rate for restaurant meals")
    assert page.is_checked("#id_submit")  # submitted for approval at once
    with page.expect_navigation():
        page.get_by_test_id("save-rule").click()
    assert "/mappings/versions/" in page.url, page.content()[:2000]
    assert page.get_by_test_id("maker-notice").is_visible()  # the maker cannot approve their own change
    assert page.get_by_test_id("approve").count() == 0
    screenshot(page, "journey-controller-4-submitted")
    version_url = page.url

    page.click("text=Log out")
    login(page, "approver")
    page.wait_for_url("**/dashboard/")
    page.goto(version_url)
    page.get_by_test_id("decision-reason").fill("Matches the VAT return")
    with page.expect_navigation():
        page.get_by_test_id("approve").click()
    assert page.get_by_test_id("status").first.inner_text() == "Active"
    screenshot(page, "journey-controller-5-approved")

    # The approval's follow-up ran (inline task queue): both held documents went through the pipeline again
    # and are in Odoo once, with the FR-10 tax.
    for document in held:
        document.refresh_from_db()
        assert document.state == "posted", (document.source_id, document.state, document.state_reason)
        moves = setup.moves(document.idempotency_key)
        assert [m["state"] for m in moves] == ["posted"], moves

    page.click("text=Log out")
    login(page, "controller")
    page.wait_for_url("**/dashboard/")
    for each in month_end["items"]:  # the item the controller fixed, and the other document's item too
        page.goto(f"/worklist/items/{each.pk}/")
        assert page.get_by_test_id("item-status").inner_text() == "Resolved", each.subject_key
        each.refresh_from_db()
        assert each.resolved_by_approval.startswith("mappingset:"), each.resolved_by_approval  # linked to it
    page.goto("/worklist/")
    for each in month_end["items"]:
        assert page.locator(f"a[href='/worklist/items/{each.pk}/']").count() == 0
    screenshot(page, "journey-controller-6-cleared")

    page.goto("/dashboard/")
    with page.expect_navigation():
        page.click("button:has-text('Publish now')")
    page.goto("/dashboard/reconciliations/")
    form = page.locator("form[aria-label='Run a reconciliation']")
    form.locator("select[name=entity]").select_option("FR")
    form.locator("input[name=month]").fill("2026-11")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.get_by_test_id("recon-status").inner_text() == "Done", page.content()[:3000]
    assert page.get_by_test_id("no-differences").is_visible()
    sides = [page.get_by_test_id(f"side-{side}").inner_text() for side in ("received", "ledger", "odoo", "reporting")]
    assert sides == ["3", "3", "3", "3"]
    screenshot(page, "journey-controller-7-reconciled")
    assert Document.objects.filter(state="held").count() == 0
