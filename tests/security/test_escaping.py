"""HTML and JavaScript in merchant names, notes, reasons, comments and names are shown as text on every page.

Each value is stored through the real services (webhook normalisation, worklist actions, mapping services,
connector services, the ledger) and each page that shows it is fetched as a user allowed to see it.
"""

import pytest
from django.urls import reverse

from tests.security.payloads import ATTRIBUTE, SCRIPT, assert_escaped

pytestmark = pytest.mark.django_db


@pytest.fixture
def hostile_document(entities):
    from apps.documents.normalize import normalize_canonical
    from apps.documents.services import document_receive
    from tests.documents.examples import minimal_report

    report = minimal_report(id="R-XSS", title=SCRIPT)
    report["employee"] = {"email": "x@example.com", "name": ATTRIBUTE}
    report["lines"][0]["merchant"] = SCRIPT + ATTRIBUTE
    report["lines"][0]["category"] = ATTRIBUTE
    document, _ = document_receive(
        canonical=normalize_canonical(report),
        connector_slug="hooks",
        source_system="generic",
        raw_payload=report,
        actor="webhook",
    )
    return document


@pytest.fixture
def hostile_item(hostile_document, controller):
    from apps.worklist.services import worklist_item_comment, worklist_item_open

    item = worklist_item_open(
        category="mapping_missing",
        subject_key=hostile_document.idempotency_key,
        message=f"Merchant {SCRIPT} is unknown",
        detail=ATTRIBUTE,
        document=hostile_document,
    )
    worklist_item_comment(item=item, body=f"Looked at it {SCRIPT} {ATTRIBUTE}", actor=controller)
    return item


def test_document_detail_escapes_merchant_employee_and_category(client_for, controller, hostile_document):
    page = client_for(controller).get(reverse("documents:detail", kwargs={"pk": hostile_document.pk}))
    assert page.status_code == 200
    assert_escaped(page.content.decode(), "document detail")


def test_document_list_escapes_employee_names(client_for, controller, hostile_document):
    page = client_for(controller).get(reverse("documents:index"))
    assert page.status_code == 200
    for tag in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>"):
        assert tag not in page.content.decode()


def test_worklist_list_and_item_escape_messages_and_comments(client_for, controller, hostile_item):
    web = client_for(controller)
    listing = web.get(reverse("worklist:index"))
    assert listing.status_code == 200
    assert_escaped(listing.content.decode(), "worklist list")
    detail = web.get(reverse("worklist:item", kwargs={"pk": hostile_item.pk}))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert_escaped(html, "worklist item")
    assert "Looked at it &lt;script&gt;" in html  # the comment itself is shown escaped


def test_worklist_dismiss_note_is_escaped_on_the_item_and_in_the_ledger(client_for, controller, hostile_item):
    from apps.ledger.models import LedgerEntry
    from apps.worklist.services import worklist_item_dismiss

    worklist_item_dismiss(item=hostile_item, actor=controller, note=f"Not ours {SCRIPT}")
    web = client_for(controller)
    assert_escaped(web.get(reverse("worklist:item", kwargs={"pk": hostile_item.pk})).content.decode(), "item")
    entry = LedgerEntry.objects.filter(kind="worklist_item.dismiss").order_by("-sequence").first()
    page = web.get(reverse("ledger:entry_detail", kwargs={"sequence": entry.sequence}))
    assert_escaped(page.content.decode(), "ledger entry of the dismissal")


def test_ledger_list_and_detail_escape_source_ids_reasons_and_payloads(client_for, auditor, entities):
    from apps.ledger.services import ledger_append

    entry = ledger_append(
        kind="expense_report.received",
        direction="inbound",
        entity="FR",
        connector="hooks",
        source_id=SCRIPT,
        reason=ATTRIBUTE,
        payload={"merchant": SCRIPT, "note": ATTRIBUTE},
    )
    web = client_for(auditor)
    listing = web.get(reverse("ledger:index"))
    assert listing.status_code == 200
    assert_escaped(listing.content.decode(), "ledger list")
    detail = web.get(reverse("ledger:entry_detail", kwargs={"sequence": entry.sequence}))
    assert detail.status_code == 200
    assert_escaped(detail.content.decode(), "ledger detail")


def test_ledger_entries_of_a_hostile_document_render_escaped(client_for, auditor, hostile_document):
    from apps.ledger.models import LedgerEntry

    web = client_for(auditor)
    entries = LedgerEntry.objects.filter(document=hostile_document.idempotency_key)
    assert entries.exists()
    for entry in entries:
        page = web.get(reverse("ledger:entry_detail", kwargs={"sequence": entry.sequence}))
        assert page.status_code == 200
        for tag in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>"):
            assert tag not in page.content.decode()


def test_mapping_set_page_escapes_set_names_descriptions_and_rule_display_names(client_for, controller, entities):
    from apps.mappings.services import mapping_draft_open, mapping_rule_add, mapping_set_create
    from tests.mappings.conftest import cache

    fr = entities["FR"]
    cache(fr, "taxes", 41, SCRIPT, company=2, amount=20, amount_type="percent", type_tax_use="purchase")
    mapping_set = mapping_set_create(
        entity=fr, dimension="tax_code", name=f"Taxes {SCRIPT}", owner=controller, actor=controller,
        description=ATTRIBUTE,
    )  # fmt: skip
    draft = mapping_draft_open(mapping_set=mapping_set, actor=controller)
    mapping_rule_add(version=draft, actor=controller, source_value="FR-20", target_model="account.tax", target_id=41)
    web = client_for(controller)
    for url in (
        reverse("mappings:set_detail", kwargs={"pk": mapping_set.pk}),
        reverse("mappings:index"),
        reverse("mappings:version_detail", kwargs={"pk": draft.pk}),
    ):
        page = web.get(url)
        assert page.status_code == 200, url
        assert_escaped(page.content.decode(), url)


def test_connector_pages_escape_connector_names(client_for, it_admin, controller, entities):
    from apps.connectors.services import connector_update
    from tests.connectors.factories import webhook_connector

    connector, _, _ = webhook_connector(owner=it_admin, entities=[entities["FR"]], slug="xss-hooks")
    connector_update(connector=connector, actor=it_admin, data={"name": f"Hooks {SCRIPT}{ATTRIBUTE}"}, reason=SCRIPT)
    for user in (it_admin, controller):
        web = client_for(user)
        for url in (reverse("connectors:index"), reverse("connectors:detail", kwargs={"slug": connector.slug})):
            page = web.get(url)
            assert page.status_code == 200, url
            assert_escaped(page.content.decode(), f"{url} as {user.username}")


def test_mapping_rule_notes_and_submit_and_approval_reasons_are_escaped(client_for, controller, entities):
    from apps.access.services import user_ensure
    from apps.mappings.services import (
        mapping_draft_open,
        mapping_rule_add,
        mapping_set_create,
        mapping_version_approve,
        mapping_version_submit,
    )
    from tests.conftest import PASSWORD
    from tests.mappings.conftest import cache

    fr = entities["FR"]
    checker = user_ensure(username="checker", password=PASSWORD, role="finance_controller", entities=[fr],
                          reason="test fixture")  # fmt: skip
    cache(fr, "taxes", 41, "FR-20", company=2, amount=20, amount_type="percent", type_tax_use="purchase")
    mapping_set = mapping_set_create(entity=fr, dimension="tax_code", name="Taxes", owner=controller, actor=controller)
    draft = mapping_draft_open(mapping_set=mapping_set, actor=controller)
    mapping_rule_add(version=draft, actor=controller, source_value=SCRIPT, target_model="account.tax", target_id=41,
                     note=f"{SCRIPT}{ATTRIBUTE}")  # fmt: skip
    mapping_version_submit(version=draft, actor=controller, reason=f"Because {SCRIPT}")
    web = client_for(controller)
    pending = web.get(reverse("mappings:version_detail", kwargs={"pk": draft.pk}))
    assert pending.status_code == 200
    assert_escaped(pending.content.decode(), "pending version (submit reason, rule note)")
    mapping_version_approve(version=draft, actor=checker, note=f"OK {ATTRIBUTE}")
    for url in (
        reverse("mappings:version_detail", kwargs={"pk": draft.pk}),
        reverse("mappings:set_detail", kwargs={"pk": mapping_set.pk}),
        reverse("mappings:version_export", kwargs={"pk": draft.pk}),  # CSV: text/csv, never rendered as HTML
    ):
        response = web.get(url)
        assert response.status_code == 200, url
        if response["Content-Type"].startswith("text/html"):
            assert_escaped(response.content.decode(), url)
        else:
            assert "html" not in response["Content-Type"], (url, response["Content-Type"])


def test_reconciliation_differences_are_escaped(client_for, controller, auditor, entities):
    from datetime import date

    from django.utils import timezone

    from apps.reporting.models import ReconciliationDifference, ReconciliationRun

    run = ReconciliationRun.objects.create(
        entity=entities["FR"], period_start=date(2030, 1, 1), period_end=date(2030, 1, 31), status="done",
        finished_at=timezone.now(), differences_count=1, summary={"currency": "EUR"},
    )  # fmt: skip
    ReconciliationDifference.objects.create(run=run, document_key=f"k:{SCRIPT}", source_id=ATTRIBUTE,
                                            kind="missing_in_odoo", message=f"Merchant {SCRIPT}", sides={})  # fmt: skip
    for user in (controller, auditor):
        page = client_for(user).get(reverse("reporting:reconciliation_detail", kwargs={"pk": run.pk}))
        assert page.status_code == 200
        assert_escaped(page.content.decode(), f"reconciliation detail as {user.username}")
