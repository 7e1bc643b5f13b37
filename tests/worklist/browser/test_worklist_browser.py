"""The worklist in real headless Chromium: filter, fix a closed-period item, dismiss a duplicate, scope.

Uses the browser fixtures of tests/browser (see conftest.py here); skipped when Chromium is missing unless
REQUIRE_BROWSER=1.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.worklist.models import WorklistItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worklist(make_item):
    items = {
        "closed": make_item(category="closed_period", message="March is locked in Odoo for FR."),
        "original": make_item(category="duplicate_suspected", message="Taxi 36 EUR, first copy."),
        "duplicate": make_item(category="duplicate_suspected", message="Taxi 36 EUR, second copy."),
        "transport": make_item(category="transport", message="Odoo did not answer in time."),
        "de": make_item(entity="DE", category="invalid_tax", message="DE-ONLY tax code unknown."),
    }
    return items


def test_controller_filters_fixes_a_closed_period_and_dismisses_a_duplicate(
    page, login, screenshot, controller, worklist
):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, "controller")
    page.goto("/worklist/")
    assert page.locator("[data-testid=item-row]").count() == 4  # FR only: the DE item never shows
    assert "DE-ONLY" not in page.content()
    page.select_option("select[name=category]", ["closed_period"])
    page.click("form[aria-label=Filters] button[type=submit]")
    assert page.locator("[data-testid=item-row]").count() == 1
    page.click(f"a[href='/worklist/items/{worklist['closed'].pk}/'] >> nth=0")
    posting_date = timezone.localdate().isoformat()
    page.fill("input[name=posting_date]", posting_date)
    page.click("form[aria-label='Correct and retry'] button[type=submit]")
    assert "Correction saved" in page.content() and "flow engine is not running yet" in page.content()
    screenshot(page, "worklist_closed_period_corrected")
    assert WorklistItem.objects.get(pk=worklist["closed"].pk).corrections == {"posting_date": posting_date}

    page.goto(f"/worklist/items/{worklist['duplicate'].pk}/")
    page.fill("input[name=original_item]", str(worklist["original"].pk))
    page.fill("form[aria-label='Mark duplicate'] textarea[name=note]", "Same taxi receipt submitted twice.")
    page.click("form[aria-label='Mark duplicate'] button[type=submit]")
    assert page.locator("[data-testid=item-status]").inner_text() == "Dismissed"
    assert "Dismissed as duplicate" in page.locator("[data-testid=item-resolution]").inner_text()

    # Overdue items stand out; bulk selection works from the keyboard (plain checkboxes).
    WorklistItem.objects.filter(pk=worklist["transport"].pk).update(due_date=timezone.localdate() - timedelta(days=3))
    page.goto("/worklist/?category=transport")
    assert page.locator("[data-testid=item-row]").first.locator(".badge-bad").inner_text() == "overdue 3 d"
    page.focus(f"#pick-{worklist['transport'].pk}")
    page.keyboard.press("Space")
    page.select_option("select[name=kind]", "dismiss")
    page.fill("fieldset input[name=note]", "Test connector, not real.")
    page.click("fieldset button[type=submit]")
    assert "Bulk dismiss" in page.content() and "of 1 done" in page.content()
    assert errors == []


def test_auditor_opens_everything_and_changes_nothing(page, login, auditor, worklist):
    login(page, "auditor")
    page.goto("/worklist/")
    assert page.locator("[data-testid=item-row]").count() == 5
    assert page.locator("input[name=ids]").count() == 0
    page.goto(f"/worklist/items/{worklist['de'].pk}/")
    assert "DE-ONLY" in page.content() and page.locator("form[aria-label=Dismiss]").count() == 0
    status = page.evaluate(
        """async (url) => {
            const token = document.cookie.split('; ').find(c => c.startsWith('csrftoken='));
            const body = new URLSearchParams({note: 'x', csrfmiddlewaretoken: token ? token.split('=')[1] : ''});
            return (await fetch(url, {method: 'POST', body})).status;
        }""",
        f"/worklist/items/{worklist['de'].pk}/dismiss/",
    )
    assert status == 403 and WorklistItem.objects.get(pk=worklist["de"].pk).is_active


def test_de_controller_never_sees_fr_items(page, login, controller_de, worklist):
    login(page, "controller_de")
    page.goto("/worklist/")
    assert page.locator("[data-testid=item-row]").count() == 1 and "DE-ONLY" in page.content()
    response = page.goto(f"/worklist/items/{worklist['closed'].pk}/")
    assert response.status == 404
    api = page.request.get("/api/v1/worklist/items/").json()
    assert [row["entity"] for row in api["results"]] == ["DE"]
