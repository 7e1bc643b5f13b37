"""Closing the loop: items close when their document posts (with the approval that fixed them), the posting
date chosen on an item is what the pipeline reads, a duplicate ends its document, reconciliation differences
have their own category, and the page and the API run the same action code."""

from datetime import date

import pytest
from django.urls import reverse

from apps.worklist import selectors, services
from apps.worklist.models import WorklistCategory, WorklistItem

pytestmark = pytest.mark.django_db


def test_a_posted_document_closes_every_active_item_naming_it_and_keeps_the_approval_link(make_item, make_document):
    document = make_document()
    fixed = make_item(document=document, subject_key="a", context={"dimension": "employee", "source_value": "x"})
    WorklistItem.objects.filter(pk=fixed.pk).update(resolved_by_approval="mappingset:4:v2")
    receipt = make_item(document=document, subject_key="b", category="missing_receipt")
    other = make_item(subject_key="c")
    closed = services.worklist_items_resolve_for_document(document=document, actor="worker", note="Posted as move 9.")
    assert closed == 2
    fixed.refresh_from_db(), receipt.refresh_from_db(), other.refresh_from_db()
    assert (fixed.status, fixed.resolution) == ("resolved", "auto_resolved")
    assert fixed.resolution_note == "Posted as move 9. Fixed by approval mappingset:4:v2."
    assert receipt.status == "resolved" and receipt.resolution_note == "Posted as move 9."
    assert other.is_active
    assert services.worklist_items_resolve_for_document(document=document, actor="worker", note="again") == 0


def test_the_posting_date_the_pipeline_reads_is_the_latest_chosen_on_an_active_item(make_item, controller):
    item = make_item(category="closed_period")
    assert selectors.worklist_posting_dates([item.document_id]) == {}
    services.worklist_item_correct(item=item, corrections={"posting_date": "2026-12-01"}, actor=controller, retry=False)
    assert selectors.worklist_posting_dates([item.document_id]) == {item.document_id: date(2026, 12, 1)}
    services.worklist_item_dismiss(item=item, actor=controller, note="posted by hand in Odoo")
    assert selectors.worklist_posting_dates([item.document_id]) == {}  # only what is still to be done counts


def test_marking_a_held_duplicate_rejects_its_document_and_closes_its_other_items(make_item, make_document, controller):
    original = make_document()
    copy = make_document(state="held", failed_stage="map")
    item = make_item(document=copy, category="duplicate_suspected", subject_key="dup")
    receipt = make_item(document=copy, category="missing_receipt", subject_key="receipt")
    services.worklist_item_mark_duplicate(
        item=item, actor=controller, note="Same taxi twice.", original_document=original
    )
    copy.refresh_from_db(), receipt.refresh_from_db()
    assert (
        copy.state == "rejected" and copy.state_reason == f"Duplicate of {original.idempotency_key}: Same taxi twice."
    )
    assert receipt.status == "dismissed" and "rejected" in receipt.resolution_note


def test_a_posted_original_document_is_left_alone_when_a_posted_copy_is_marked(make_item, make_document, controller):
    original, posted = make_document(), make_document(state="posted")
    item = make_item(document=posted, category="duplicate_suspected", subject_key="dup")
    services.worklist_item_mark_duplicate(item=item, actor=controller, note="seen", original_document=original)
    posted.refresh_from_db()
    assert posted.state == "posted"


def test_reconciliation_differences_have_their_category_runbook_and_routing(make_item, controller, client_for):
    from apps.reporting.services import reconciliation

    assert reconciliation.CATEGORY == "reconciliation_difference" in WorklistCategory.values  # what H3's run opens
    item = make_item(
        category="reconciliation_difference",
        subject_key="reconciliation:FR:2026-11-01:2026-11-30:missing_in_odoo:k",
        stage="reconcile",
        context={"reconciliation_run": 7, "kind": "missing_in_odoo", "sides": {"ledger": "posted", "odoo": "-"}},
    )
    assert item.assignee == controller and item.routed_via == "FR finance controllers"
    client = client_for(controller)
    page = client.get(reverse("worklist:item", args=[item.pk])).content.decode()
    assert (
        "missing_in_odoo" in page
        and f'href="{reverse("reporting:reconciliation_detail", args=[7])}"' in page
        and "odoo: -" in page
    )
    assert "The reconciliation found the document missing" in page  # the suggested fix
    runbook = client.get(reverse("worklist:runbook", args=["reconciliation_difference"])).content.decode()
    assert "<h2>Reconciliation difference</h2>" in runbook and "<code>not_in_ledger</code>" in runbook


def test_the_page_and_the_api_refuse_an_unknown_original_item_the_same_way(make_item, controller, client_for):
    item = make_item(category="duplicate_suspected")
    client = client_for(controller)
    api = client.post(
        f"/api/v1/worklist/items/{item.pk}/duplicate/",
        {"original_item": 999999, "note": "x"},
        content_type="application/json",
    )
    assert api.status_code == 400 and api.json()["fields"] == {"original_item": "Not found."}
    page = client.post(
        reverse("worklist:duplicate", args=[item.pk]), {"original_item": 999999, "note": "x"}, follow=True
    )
    assert "No such item in your scope." in page.content.decode()
    assert WorklistItem.objects.get(pk=item.pk).is_active


def test_the_api_retries_after_a_correction_unless_told_not_to(make_item, controller, client_for):
    from apps.worklist import redrive

    retried = []
    redrive.register_redriver(
        lambda item, *, actor, dry_run: retried.append(item.pk) or redrive.RedriveResult(True, "ok")
    )
    item = make_item(category="invalid_tax")
    client = client_for(controller)
    client.post(f"/api/v1/worklist/items/{item.pk}/correct/", {"tax_code": "FR-20"}, content_type="application/json")
    client.post(
        f"/api/v1/worklist/items/{item.pk}/correct/",
        {"tax_code": "FR-10", "retry": False},
        content_type="application/json",
    )
    client.post(reverse("worklist:correct", args=[item.pk]), {"tax_code": "FR-5"})  # the page: unticked box
    assert retried == [item.pk]


def test_holding_again_supersedes_the_pipeline_items_the_redrive_got_past_and_nothing_else(make_item, make_document):
    document = make_document()
    key = document.idempotency_key
    fixed = make_item(document=document, subject_key=f"document:{key}:employee")
    WorklistItem.objects.filter(pk=fixed.pk).update(resolved_by_approval="mappingset:4:v2")
    still = make_item(document=document, subject_key=f"document:{key}:tax")
    reconciliation = make_item(
        document=document, subject_key=f"reconciliation:FR:x:{key}", category="reconciliation_difference"
    )
    assert services.worklist_items_supersede(document=document, keep=[still.pk], actor="worker", stage="map") == 1
    fixed.refresh_from_db(), still.refresh_from_db(), reconciliation.refresh_from_db()
    assert fixed.status == "resolved" and fixed.resolution_note.endswith("Fixed by approval mappingset:4:v2.")
    assert still.is_active and reconciliation.is_active
