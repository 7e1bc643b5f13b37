"""The escaping sweep as the browser sees it: headless Chromium opens the pages that show hostile merchant names,
comments, reasons and names, after every script and htmx swap ran. No injected element may exist in the DOM,
no dialog may open, and the hostile text is shown as text. (The CSP would block an inline script anyway: the DOM
check catches an escaping slip that the CSP merely hides.)
"""

import pytest

from tests.security.payloads import ATTRIBUTE, SCRIPT
from tests.security.test_escaping import hostile_document, hostile_item  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
INJECTED = "img[src='x'], img[onerror], script:text('alert(1)')"


@pytest.fixture
def hostile_everywhere(hostile_item, entities, controller):  # noqa: F811
    """The hostile document and its item, plus a mapping set, a ledger entry and a reconciliation difference."""
    from datetime import date

    from django.utils import timezone

    from apps.ledger.services import ledger_append
    from apps.mappings.services import mapping_set_create
    from apps.reporting.models import ReconciliationDifference, ReconciliationRun

    fr = entities["FR"]
    mapping_set = mapping_set_create(entity=fr, dimension="tax_code", name=f"Taxes {SCRIPT}", owner=controller,
                                     actor=controller, description=ATTRIBUTE)  # fmt: skip
    entry = ledger_append(kind="expense_report.received", direction="inbound", entity="FR", connector="hooks",
                          source_id=SCRIPT, reason=ATTRIBUTE, payload={"merchant": SCRIPT})  # fmt: skip
    run = ReconciliationRun.objects.create(
        entity=fr, period_start=date(2030, 1, 1), period_end=date(2030, 1, 31), status="done",
        finished_at=timezone.now(), differences_count=1, summary={"currency": "EUR"},
    )  # fmt: skip
    ReconciliationDifference.objects.create(run=run, document_key="k1", source_id=ATTRIBUTE, kind="missing_in_odoo",
                                            message=f"Merchant {SCRIPT}", sides={})  # fmt: skip
    return {
        "controller": [
            "/documents/",
            f"/documents/{hostile_item.document_id}/",
            "/worklist/",
            f"/worklist/items/{hostile_item.pk}/",
            "/mappings/",
            f"/mappings/sets/{mapping_set.pk}/",
            f"/dashboard/reconciliations/{run.pk}/",
        ],
        "auditor": ["/ledger/", f"/ledger/{entry.sequence}/", f"/worklist/items/{hostile_item.pk}/"],
    }


def test_no_hostile_value_becomes_markup_in_chromium(page, login, hostile_everywhere, auditor):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    shown = 0
    for username, urls in hostile_everywhere.items():
        page.context.clear_cookies()
        login(page, username)
        for url in urls:
            response = page.goto(url)
            assert response.status == 200, (username, url, response.status)
            page.wait_for_load_state("networkidle")
            assert page.locator(INJECTED).count() == 0, f"{url}: a hostile value became markup"
            shown += "<script>alert(1)</script>" in page.inner_text("body")
    assert not dialogs, dialogs
    assert shown >= 5, "the hostile values are not on the pages (the check would prove nothing)"
