"""Fix and retry: the rule page pre-filled from a worklist item (`mappings:rule-new`), saved into the set's
draft with a mandatory reason and submitted; after a second user approves, the item's document is re-driven
through the real pipeline registration (apps.sync) and the item closes with a link to the approval."""

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from apps.ledger.models import LedgerEntry
from apps.mappings.models import MappingSetVersion
from tests.mappings.conftest import approved, audit_entries, tax_rule

pytestmark = pytest.mark.django_db


def new_rule_url(**params) -> str:
    query = {"entity": "FR", "dimension": "tax_code", "source_value": "FR-10", **params}
    return f"{reverse('mappings:rule-new')}?{urlencode(query)}"


RULE = {"match": "exact", "source_value": "FR-10", "target_model": "account.tax", "target_id": "42"}


@pytest.fixture
def active_taxes(tax_set, controller, approver):
    return approved(tax_set, controller, approver, tax_rule("FR-20", 41))


def test_the_page_is_pre_filled_from_the_item(client_for, controller, active_taxes):
    page = client_for(controller).get(new_rule_url(worklist_item=12)).content.decode()
    assert 'name="source_value" value="FR-10"' in page
    assert '<option value="account.tax" selected>' in page
    assert 'href="/worklist/items/12/"' in page and "A new draft is opened from the active version" in page
    assert 'data-testid="rule-reason"' in page and "required" in page


def test_saving_without_a_reason_writes_nothing(client_for, controller, active_taxes):
    before = LedgerEntry.objects.count()
    response = client_for(controller).post(new_rule_url(), {**RULE, "reason": "  ", "submit": "on"})
    assert response.status_code == 400 and b"Say why this rule is needed." in response.content
    assert b'value="FR-10"' in response.content  # the input comes back
    assert not MappingSetVersion.objects.filter(mapping_set=active_taxes.mapping_set, status="draft").exists()
    assert LedgerEntry.objects.count() == before


def test_a_refused_rule_leaves_no_draft_behind(client_for, controller, active_taxes):
    response = client_for(controller).post(new_rule_url(), {**RULE, "target_id": "44", "reason": "x", "submit": "on"})
    assert response.status_code == 400 and b"is archived in Odoo" in response.content
    assert set(active_taxes.mapping_set.versions.values_list("status", flat=True)) == {"active"}


def test_save_and_submit_puts_the_rule_in_a_pending_draft_with_the_reason(client_for, controller, active_taxes):
    response = client_for(controller).post(new_rule_url(), {**RULE, "reason": "Reduced VAT on meals", "submit": "on"})
    pending = MappingSetVersion.objects.get(mapping_set=active_taxes.mapping_set, status="pending_approval")
    assert response.status_code == 302 and response["Location"] == reverse("mappings:version_detail", args=[pending.pk])
    assert [r.source_value for r in pending.rules.order_by("position")] == ["FR-20", "FR-10"]
    assert pending.submit_reason == "Reduced VAT on meals" and pending.submitted_by == controller
    added = [
        entry for entry, _body in audit_entries("mappingsetversion.rule_added") if entry.target_id == str(pending.pk)
    ]
    assert added and added[-1].reason == "Reduced VAT on meals"


def test_save_only_keeps_a_draft(client_for, controller, active_taxes):
    client_for(controller).post(new_rule_url(), {**RULE, "reason": "Reduced VAT on meals"})
    draft = MappingSetVersion.objects.get(mapping_set=active_taxes.mapping_set, status="draft")
    assert draft.rules.filter(source_value="FR-10", target_id=42).exists()


def test_a_pending_version_blocks_the_page_and_says_so(client_for, controller, active_taxes):
    client = client_for(controller)
    client.post(new_rule_url(), {**RULE, "reason": "first", "submit": "on"})
    page = client.get(new_rule_url(source_value="FR-5.5"))
    assert page.status_code == 200 and b'data-testid="pending-notice"' in page.content
    refused = client.post(new_rule_url(source_value="FR-5.5"), {**RULE, "reason": "second", "submit": "on"})
    assert refused.status_code == 400
    assert (
        MappingSetVersion.objects.get(mapping_set=active_taxes.mapping_set, status="pending_approval").rules.count()
        == 2
    )


def test_without_a_set_the_page_offers_to_create_it(client_for, controller, fr_cache):
    page = client_for(controller).get(new_rule_url(dimension="employee", source_value="jd@example.com"))
    assert (
        page.status_code == 200
        and b'data-testid="no-set"' in page.content
        and b"Create the mapping set" in page.content
    )


def test_who_may_open_it(client_for, auditor, controller_de, outsider, active_taxes):
    assert client_for(auditor).get(new_rule_url()).status_code == 403  # reads everything, changes nothing
    assert client_for(controller_de).get(new_rule_url()).status_code == 404  # FR is not theirs
    assert client_for(outsider).get(new_rule_url()).status_code == 403
    assert client_for(auditor).post(new_rule_url(), {**RULE, "reason": "x", "submit": "on"}).status_code == 403
    assert not active_taxes.mapping_set.versions.filter(status__in=["draft", "pending_approval"]).exists()


def test_an_unknown_dimension_is_404(client_for, controller, active_taxes):
    assert client_for(controller).get(new_rule_url(dimension="nonsense")).status_code == 404


def test_the_maker_cannot_approve_and_a_second_user_closes_the_item_with_the_approval_link(
    client_for, controller, approver, active_taxes, django_capture_on_commit_callbacks, monkeypatch
):
    """The whole loop without Odoo: the approval's follow-up re-drives the held document through the flow engine
    apps.sync registered (its task is then queued); the document posting closes the item (the pipeline's call)."""
    from django_q.conf import Conf

    from apps.documents.models import Document
    from apps.worklist.services import worklist_item_open, worklist_items_resolve_for_document

    monkeypatch.setattr(Conf, "SYNC", False)
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: queued.append((func, args)))
    fr = active_taxes.mapping_set.entity
    document = Document.objects.create(
        source_connector="platform", source_system="generic", object_type="expense_report", source_id="R-1",
        idempotency_key="platform:expense_report:R-1:1", entity=fr, currency="EUR", total="11.00", canonical={},
        state="held", failed_stage="map",
    )  # fmt: skip
    item = worklist_item_open(
        category="mapping_missing", subject_key=f"document:{document.idempotency_key}:x", document=document,
        message="No tax_code mapping for 'FR-10'.", stage="map", actor="worker",
        context={"dimension": "tax_code", "source_value": "FR-10"},
    )  # fmt: skip
    monkeypatch.setattr(
        "apps.mappings.services.followup.fixed_failures", lambda entity: {("mapping_missing", "tax_code", "FR-10")}
    )
    maker = client_for(controller)
    detail = maker.get(reverse("worklist:item", args=[item.pk])).content.decode()
    assert 'data-testid="fix-rule"' in detail and "source_value=FR-10" in detail and "dimension=tax_code" in detail
    maker.post(new_rule_url(worklist_item=item.pk), {**RULE, "reason": "Reduced VAT", "submit": "on"})
    pending = MappingSetVersion.objects.get(mapping_set=active_taxes.mapping_set, status="pending_approval")
    waiting = maker.get(reverse("worklist:item", args=[item.pk])).content.decode()
    assert 'data-testid="pending-fix"' in waiting and 'data-testid="fix-rule"' not in waiting
    assert maker.post(reverse("mappings:version_approve", args=[pending.pk]), {"reason": "self"}).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        approval = client_for(approver).post(
            reverse("mappings:version_approve", args=[pending.pk]), {"reason": "checked"}
        )
    pending.refresh_from_db()
    assert approval.status_code == 302 and pending.status == "active", pending.status
    assert [f for f, _ in queued] == ["apps.mappings.tasks.mapping_version_followup_task"]
    from apps.mappings.tasks import mapping_version_followup_task

    with django_capture_on_commit_callbacks(execute=True):
        assert mapping_version_followup_task(*queued[0][1]) == {"mapping_missing:tax_code:FR-10": 1}
    document.refresh_from_db()
    assert document.state == "validated"  # re-driven from the map stage by apps.sync's redriver
    assert queued[-1] == ("apps.sync.tasks.document_process_task", (document.pk,))
    worklist_items_resolve_for_document(document=document, actor="worker", note="Posted to Odoo as account.move 9.")
    item.refresh_from_db()
    assert (
        item.status == "resolved"
        and item.resolved_by_approval == f"mappingset:{pending.mapping_set_id}:v{pending.number}"
    )
    assert "Fixed by approval" in item.resolution_note
    page = client_for(controller).get(reverse("worklist:item", args=[item.pk])).content.decode()
    assert f'href="{reverse("mappings:version_detail", args=[pending.pk])}"' in page
