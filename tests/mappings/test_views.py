"""The mapping pages: an owner edits and submits, a second controller approves; the maker cannot."""

import pytest
from django.urls import reverse

from apps.mappings.models import MappingSetVersion
from tests.mappings.conftest import approved, tax_rule

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"mappings:{name}", kwargs=kwargs)


def test_an_owner_edits_submits_and_a_second_controller_approves(client_for, controller, approver, tax_set):
    client = client_for(controller)
    response = client.post(url("set_draft_open", pk=tax_set.pk))
    draft = MappingSetVersion.objects.get(mapping_set=tax_set, status="draft")
    assert response["Location"] == url("version_detail", pk=draft.pk)
    added = client.post(
        url("rule_add", pk=draft.pk),
        {"match": "exact", "source_value": "FR-20", "target_model": "account.tax", "target_id": "41"},
    )
    assert added.status_code == 302 and draft.rules.get().target_name == "FR-20"
    client.post(url("version_submit", pk=draft.pk), {"reason": "VAT codes for the new ERP"})
    page = client.get(url("version_detail", pk=draft.pk))
    assert b'data-testid="maker-notice"' in page.content and b'data-testid="approve"' not in page.content
    assert client.post(url("version_approve", pk=draft.pk), {"reason": "self"}).status_code == 403
    checker = client_for(approver)
    assert b'data-testid="approve"' in checker.get(url("version_detail", pk=draft.pk)).content
    checker.post(url("version_approve", pk=draft.pk), {"reason": "matches the VAT return"})
    draft.refresh_from_db()
    assert draft.status == "active" and draft.approval_note == "matches the VAT return"


def test_a_refused_rule_shows_its_field_error_and_keeps_the_input(client_for, controller, tax_set):
    client = client_for(controller)
    client.post(url("set_draft_open", pk=tax_set.pk))
    draft = MappingSetVersion.objects.get(mapping_set=tax_set)
    response = client.post(
        url("rule_add", pk=draft.pk),
        {"match": "exact", "source_value": "FR-5.5", "target_model": "account.tax", "target_id": "44"},
    )
    assert response.status_code == 400
    assert b"is archived in Odoo" in response.content and b'value="FR-5.5"' in response.content


def test_the_rule_editor_loads_in_place_with_htmx(client_for, controller, tax_set):
    client = client_for(controller)
    client.post(url("set_draft_open", pk=tax_set.pk))
    draft = MappingSetVersion.objects.get(mapping_set=tax_set)
    client.post(
        url("rule_add", pk=draft.pk), {"source_value": "FR-20", "target_model": "account.tax", "target_id": "41"}
    )
    rule = draft.rules.get()
    partial = client.get(url("rule_edit", pk=rule.pk), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and b"<html" not in partial.content and b"Edit the rule" in partial.content
    client.post(
        url("rule_edit", pk=rule.pk),
        {"match": "exact", "source_value": "FR-20", "target_model": "account.tax", "target_id": "42"},
    )
    rule.refresh_from_db()
    assert rule.target_id == 42


def test_the_target_picker_searches_the_cache(client_for, controller, fr_cache):
    response = client_for(controller).get(
        url("target_search"),
        {"entity": fr_cache.pk, "target_model": "account.tax", "q": "10"},
        HTTP_HX_REQUEST="true",
    )
    assert b"FR-10" in response.content and b"FR-20" not in response.content
    assert b"<option" in response.content


def test_the_set_list_filters_by_status(client_for, controller, approver, tax_set):
    approved(tax_set, controller, approver, tax_rule("FR-20", 41))
    client = client_for(controller)
    assert b"FR tax codes" in client.get(url("index"), {"status": "active"}).content
    assert b"FR tax codes" not in client.get(url("index"), {"status": "pending_approval"}).content


def test_the_diff_page_lists_added_and_changed_rules(client_for, controller, approver, tax_set):
    from apps.mappings.services import mapping_draft_open, mapping_rule_add, mapping_rule_update

    approved(tax_set, controller, approver, tax_rule("FR-20", 41))
    second = mapping_draft_open(mapping_set=tax_set, actor=controller)
    mapping_rule_update(rule=second.rules.get(), actor=controller, target_id=42)
    mapping_rule_add(version=second, actor=controller, **tax_rule("FR-10", 42))
    page = client_for(controller).get(url("version_diff", pk=second.pk)).content.decode()
    assert "1 added · 1 changed · 0 removed" in page


def test_a_new_set_is_created_from_the_form(client_for, controller, fr_cache):
    client = client_for(controller)
    response = client.post(
        url("set_create"),
        {"entity": fr_cache.pk, "dimension": "employee", "name": "FR employees", "owner": controller.pk},
    )
    assert response.status_code == 302
    again = client.post(
        url("set_create"), {"entity": fr_cache.pk, "dimension": "employee", "name": "again", "owner": controller.pk}
    )
    assert again.status_code == 400 and b"already has a employee mapping set" in again.content


def test_the_master_data_page_lists_the_cache(client_for, controller, fr_cache):
    page = client_for(controller).get(url("master_data"), {"entity": fr_cache.pk, "kind": "taxes"})
    assert b"FR-20" in page.content and b"FR-5.5 old" not in page.content
