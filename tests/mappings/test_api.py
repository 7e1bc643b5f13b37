"""/api/v1/mappings/: same permissions as the services — maker-checker cannot be bypassed through the API."""

import pytest
from django.urls import reverse

from apps.mappings.models import MappingSetVersion
from tests.mappings.conftest import approved, audit_entries, tax_rule

pytestmark = pytest.mark.django_db


def api(name, **kwargs):
    return reverse(f"mappings-api:{name}", kwargs=kwargs)


def make_pending(client):
    created = client.post(
        api("sets"), {"entity": "FR", "dimension": "tax_code", "name": "FR taxes"}, content_type="application/json"
    )
    assert created.status_code == 201, created.json()
    draft = client.post(api("set-draft", pk=created.json()["id"])).json()
    rule = client.post(api("version-rules", pk=draft["id"]), tax_rule("FR-20", "41"), content_type="application/json")
    assert rule.status_code == 201, rule.json()
    submitted = client.post(
        api("version-submit", pk=draft["id"]), {"reason": "VAT codes"}, content_type="application/json"
    )
    assert submitted.json()["status"] == "pending_approval"
    return draft["id"]


def test_the_author_cannot_approve_through_the_api(client_for, controller, fr_cache):
    client = client_for(controller)
    pk = make_pending(client)
    response = client.post(api("version-approve", pk=pk), {"reason": "self-approval"}, content_type="application/json")
    assert response.status_code == 403 and "maker-checker" in response.json()["detail"]
    assert MappingSetVersion.objects.get(pk=pk).status == "pending_approval"


def test_another_controller_approves_through_the_api(client_for, controller, approver, fr_cache):
    pk = make_pending(client_for(controller))
    response = client_for(approver).post(
        api("version-approve", pk=pk), {"reason": "ok"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "active"
    assert response.json()["approver"] == "approver"


def test_invalid_rules_come_back_as_field_errors(client_for, controller, fr_cache):
    client = client_for(controller)
    set_id = client.post(
        api("sets"), {"entity": "FR", "dimension": "tax_code", "name": "t"}, content_type="application/json"
    ).json()["id"]
    draft = client.post(api("set-draft", pk=set_id)).json()
    response = client.post(
        api("version-rules", pk=draft["id"]), tax_rule("DE-19", "61"), content_type="application/json"
    )
    assert response.status_code == 400
    assert "another company (DE)" in response.json()["fields"]["target_id"]


def test_a_controller_of_another_entity_sees_nothing_of_fr(client_for, controller, controller_de, fr_cache):
    pk = make_pending(client_for(controller))
    other = client_for(controller_de)
    assert other.get(api("version-detail", pk=pk)).status_code == 404
    assert other.post(api("version-approve", pk=pk), {}, content_type="application/json").status_code == 404
    assert other.get(api("sets")).json()["results"] == []


def test_the_auditor_reads_but_cannot_decide(client_for, controller, auditor, fr_cache):
    pk = make_pending(client_for(controller))
    client = client_for(auditor)
    body = client.get(api("version-detail", pk=pk)).json()
    assert body["rules"][0]["source_value"] == "FR-20" and body["problems"] == {}
    assert client.post(api("version-approve", pk=pk), {}, content_type="application/json").status_code == 403


def test_rules_can_be_changed_and_removed_in_a_draft(client_for, controller, fr_cache):
    client = client_for(controller)
    set_id = client.post(
        api("sets"), {"entity": "FR", "dimension": "tax_code", "name": "t"}, content_type="application/json"
    ).json()["id"]
    draft = client.post(api("set-draft", pk=set_id)).json()
    rule = client.post(
        api("version-rules", pk=draft["id"]), tax_rule("FR-20", "41"), content_type="application/json"
    ).json()
    changed = client.patch(api("rule-detail", pk=rule["id"]), {"target_id": "42"}, content_type="application/json")
    assert changed.json()["target_id"] == 42 and changed.json()["target_name"] == "FR-10"
    assert client.delete(api("rule-detail", pk=rule["id"])).status_code == 204


def test_the_set_list_filters_by_dimension_and_status(client_for, controller, approver, tax_set):
    approved(tax_set, controller, approver, tax_rule("FR-20", 41))
    client = client_for(controller)
    assert [s["dimension"] for s in client.get(api("sets"), {"status": "active"}).json()["results"]] == ["tax_code"]
    assert client.get(api("sets"), {"dimension": "employee"}).json()["results"] == []
    assert client.get(api("sets"), {"status": "pending_approval"}).json()["results"] == []


def test_master_data_search_reads_the_cache(client_for, controller, fr_cache):
    body = client_for(controller).get(api("master-data"), {"entity": "FR", "model": "account.tax", "q": "fr-2"}).json()
    assert [(r["odoo_id"], r["name"]) for r in body["results"]] == [(41, "FR-20")]


def test_the_admin_cannot_change_or_approve_a_version(client_for, superuser, controller, fr_cache):
    pk = make_pending(client_for(controller))
    admin = client_for(superuser)
    url = reverse("admin:mappings_mappingsetversion_change", args=[pk])
    assert admin.get(url).status_code == 200  # readable
    response = admin.post(url, {"status": "active", "approver": superuser.pk})
    assert response.status_code == 403
    listing = admin.post(
        reverse("admin:mappings_mappingsetversion_changelist"), {"action": "delete_selected", "_selected_action": [pk]}
    )
    assert listing.status_code in (200, 302, 403)
    assert MappingSetVersion.objects.get(pk=pk).status == "pending_approval"
    assert admin.get(reverse("admin:mappings_mappingrule_add")).status_code == 403


def test_the_owner_hands_the_set_over_and_the_grants_follow(client_for, controller, approver, tax_set):
    response = client_for(controller).patch(
        api("set-detail", pk=tax_set.pk), {"owner": "approver"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["owner"] == "approver"
    assert approver.has_perm("mappings.change_mappingset", tax_set)
    from apps.mappings.policies import may

    assert may(approver, "mappings.change_mappingset", tax_set)
    (_entry, payload), *_ = reversed(audit_entries("mappingset.changed"))
    assert payload["changes"]["owner"] == ["controller", "approver"]
