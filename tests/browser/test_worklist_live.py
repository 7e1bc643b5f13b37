"""The worklist in real headless Chromium with the LIVE pipeline: reports delivered through the signed webhook
of apps.sync, posted into a real Odoo 17 sandbox (subprocess, sockets), django-q2 tasks run inline (as a worker
would, in-process). Issue 8's "done when": the controller filters, fixes a missing employee mapping through the
pre-filled rule page, a second user approves and all 30 items clear; a posting date chosen on a closed-period
item is the date in Odoo; a duplicate is dismissed with its original linked; transport failures are bulk
retried once the sandbox is back; the auditor opens everything and changes nothing, the DE controller never
sees FR. (The same scenarios without the browser: tests/worklist/test_live_pipeline.py.)
"""

from datetime import date

import pytest

from apps.documents.models import Document
from apps.mappings.models import MasterRecord
from apps.worklist.models import WorklistItem
from tests.mappings.conftest import approver  # noqa: F401  (fixture)
from tests.sync.conftest import inline_tasks, posting_setup, sandboxes  # noqa: F401  (fixtures)
from tests.worklist import live

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PRIVATE = "sam.private@example.net"


@pytest.fixture
def setup(posting_setup, inline_tasks, controller):  # noqa: F811
    built = posting_setup(17, trigger="webhook", posting_mode="journal_entry")
    live.configure(built, controller)
    return built


def rows(page):
    return page.locator("[data-testid=item-row]")


def submit(page, selector: str):
    with page.expect_navigation():
        page.click(selector)


def test_controller_fixes_a_missing_employee_mapping_and_thirty_items_clear_after_approval(
    page,
    login,
    screenshot,
    setup,
    controller,
    approver,  # noqa: F811
):
    for n in range(30):
        live.deliver(live.report(f"R-EMP-{n:02d}", email=PRIVATE, amount=f"{10 + n}.00"))
    live.deliver(live.report("R-OTHER", amount="99.00", day="2026-11-21"))  # Sam's own address: posts at once
    assert Document.objects.filter(state="held").count() == 30
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    login(page, "controller")
    page.goto("/worklist/")
    page.select_option("select[name=category]", ["mapping_missing"])
    page.fill("input[name=q]", PRIVATE)
    submit(page, "form[aria-label=Filters] button[type=submit]")
    assert rows(page).count() == 30
    screenshot(page, "worklist-live-1-filtered")
    submit(page, "[data-testid=item-row] >> nth=0 >> td >> nth=1 >> a")
    assert PRIVATE in page.get_by_test_id("item-message").inner_text()
    submit(page, "[data-testid=fix-rule]")

    # The pre-filled rule page: the source value, the employee model; the person picked from Odoo's cache.
    assert page.locator("#id_source_value").input_value() == PRIVATE
    sam = MasterRecord.objects.get(entity=setup.entity, kind="employees", code=live.SAM)
    page.get_by_test_id("target-search").fill("Sam Someone")
    page.wait_for_selector(f"[data-testid=target-select] option[value='{sam.odoo_id}']", state="attached")
    page.get_by_test_id("target-select").select_option(str(sam.odoo_id))
    page.get_by_test_id("rule-reason").fill("Sam files his expenses from his private address.")
    screenshot(page, "worklist-live-2-prefilled-rule")
    submit(page, "[data-testid=save-rule]")
    assert "submitted for approval" in page.content() and page.get_by_test_id("maker-notice").is_visible()
    version_url = page.url

    page.click("text=Log out")
    login(page, "approver")
    page.goto(version_url)
    page.get_by_test_id("decision-reason").fill("Checked with HR: same person.")
    with page.expect_navigation(timeout=120_000):  # the approval's follow-up re-drives and posts 30 reports
        page.get_by_test_id("approve").click()
    assert page.get_by_test_id("status").first.inner_text() == "Active"

    assert Document.objects.filter(state="posted").count() == 31
    for document in Document.objects.all():
        assert len(setup.moves(document.idempotency_key)) == 1  # in Odoo, once each
    page.click("text=Log out")
    login(page, "controller")
    page.goto(f"/worklist/?category=mapping_missing&q={PRIVATE}")
    assert rows(page).count() == 0
    item = WorklistItem.objects.filter(category="mapping_missing").first()
    page.goto(f"/worklist/items/{item.pk}/")
    assert page.get_by_test_id("item-status").inner_text() == "Resolved"
    assert "Fixed by approval" in page.get_by_test_id("item-resolution").inner_text()
    page.get_by_test_id("item-approval").locator("a").click()
    page.wait_for_url(version_url)
    screenshot(page, "worklist-live-3-cleared")
    assert errors == []


def test_posting_date_for_a_closed_period_duplicate_dismissal_and_bulk_retry_after_odoo_returns(
    page, login, screenshot, setup, controller
):
    entity = setup.entity
    entity.fiscalyear_lock_date = date(2026, 11, 30)
    entity.save()
    live.deliver(live.report("R-LOCKED", day="2026-11-20"))
    live.deliver(live.report("R-TAXI-1", day="2026-12-02", amount="36.00"))
    live.deliver(live.report("R-TAXI-2", day="2026-12-02", amount="36.00"))  # the same taxi again
    locked, original, copy = (Document.objects.get(source_id=s) for s in ("R-LOCKED", "R-TAXI-1", "R-TAXI-2"))

    login(page, "controller")
    # (b) the closed-period item: choose the posting date, save and retry → posted on that date in Odoo.
    closed = WorklistItem.objects.get(document=locked, category="closed_period")
    page.goto("/worklist/?category=closed_period")
    assert rows(page).count() == 1
    submit(page, f"a[href='/worklist/items/{closed.pk}/'] >> nth=0")
    page.fill("input[name=posting_date]", "2026-12-01")
    submit(page, "form[aria-label='Correct and retry'] button[type=submit]")
    assert "Correction saved" in page.content()
    assert page.get_by_test_id("item-status").inner_text() == "Resolved"
    assert live.move_dates(setup, locked.idempotency_key) == [date(2026, 12, 1)]
    screenshot(page, "worklist-live-4-posting-date")

    # (c) the duplicate: dismissed with the original linked; the copy is rejected and never reaches Odoo.
    duplicate = WorklistItem.objects.get(document=copy, category="duplicate_suspected")
    page.goto(f"/worklist/items/{duplicate.pk}/")
    page.fill("input[name=original_document]", original.idempotency_key)
    page.fill("form[aria-label='Mark duplicate'] textarea[name=note]", "Same taxi submitted twice.")
    submit(page, "form[aria-label='Mark duplicate'] button[type=submit]")
    assert page.get_by_test_id("item-status").inner_text() == "Dismissed"
    assert original.idempotency_key in page.content()
    copy.refresh_from_db()
    assert copy.state == "rejected" and setup.moves(copy.idempotency_key) == []

    # (d) Odoo goes away: reports fail with transport items; it comes back; one bulk retry posts them all.
    setup.sandbox.stop()
    try:
        for n in range(3):
            live.deliver(live.report(f"R-DOWN-{n}", amount=f"{20 + n}.00", day="2026-12-03"))
    finally:
        setup.sandbox.start()
    page.goto("/worklist/?category=transport")
    assert rows(page).count() == 3
    screenshot(page, "worklist-live-5-transport")
    for pk in WorklistItem.objects.filter(category="transport").values_list("pk", flat=True):
        page.focus(f"#pick-{pk}")
        page.keyboard.press("Space")
    page.select_option("select[name=kind]", "retry")
    with page.expect_navigation(timeout=60_000):
        page.click("fieldset button[type=submit]")
    assert "of 3 done" in page.content()
    assert page.get_by_test_id("bulk-status").inner_text() == "Done"
    down = Document.objects.filter(source_id__startswith="R-DOWN-")
    assert {d.state for d in down} == {"posted"}
    assert all(len(setup.moves(d.idempotency_key)) == 1 for d in down)
    page.goto("/worklist/?category=transport")
    assert rows(page).count() == 0


def test_auditor_reads_live_items_and_changes_nothing_and_de_never_sees_fr(page, login, setup, auditor, controller_de):
    live.deliver(live.report("R-HELD", email=PRIVATE))
    item = WorklistItem.objects.get(category="mapping_missing")

    login(page, "auditor")
    page.goto(f"/worklist/items/{item.pk}/")
    assert PRIVATE in page.get_by_test_id("item-message").inner_text()
    assert page.get_by_test_id("fix-rule").count() == 0 and page.locator("form[aria-label=Actions]").count() == 0
    response = page.goto(f"/mappings/rules/new/?entity=FR&dimension=employee&source_value={PRIVATE}")
    assert response.status == 403
    api = page.request.post(f"/api/v1/worklist/items/{item.pk}/retry/", headers={"X-CSRFToken": _csrf(page)})
    assert api.status == 403 and WorklistItem.objects.get(pk=item.pk).is_active

    page.click("text=Log out")
    login(page, "controller_de")
    page.goto("/worklist/")
    assert PRIVATE not in page.content() and rows(page).count() == 0
    assert page.goto(f"/worklist/items/{item.pk}/").status == 404
    assert page.goto(f"/mappings/rules/new/?entity=FR&dimension=employee&source_value={PRIVATE}").status == 404
    assert page.request.get("/api/v1/worklist/items/").json()["results"] == []
    assert page.request.get(f"/api/v1/worklist/items/{item.pk}/").status == 404


def _csrf(page) -> str:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return cookies.get("csrftoken", "")
