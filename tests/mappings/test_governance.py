"""Maker-checker governance: drafts, submission, approval by someone else, atomic activation, restore."""

from datetime import date

import pytest

from apps.access.permissions import AccessDenied, grant
from apps.mappings.errors import MappingError
from apps.mappings.models import MappingSetVersion
from apps.mappings.services import (
    mapping_draft_discard,
    mapping_draft_open,
    mapping_rule_add,
    mapping_rule_delete,
    mapping_rule_update,
    mapping_set_create,
    mapping_version_activated,
    mapping_version_approve,
    mapping_version_reject,
    mapping_version_restore,
    mapping_version_submit,
    mapping_version_withdraw,
)
from tests.mappings.conftest import add_rules, approved, audit_entries, tax_rule

pytestmark = pytest.mark.django_db


def submitted(mapping_set, maker, *rules):
    draft = mapping_draft_open(mapping_set=mapping_set, actor=maker)
    add_rules(draft, maker, *rules)
    return mapping_version_submit(version=draft, actor=maker, reason="New tax codes for 2026")


def test_the_author_cannot_approve_their_own_version(tax_set, controller):
    version = submitted(tax_set, controller, tax_rule("FR-20", 41))
    with pytest.raises(AccessDenied, match="maker-checker"):
        mapping_version_approve(version=version, actor=controller)
    version.refresh_from_db()
    assert version.status == "pending_approval" and version.approver is None


def test_a_superuser_cannot_approve_what_they_authored(tax_set, superuser):
    version = submitted(tax_set, superuser, tax_rule("FR-20", 41))
    with pytest.raises(AccessDenied, match="maker-checker"):
        mapping_version_approve(version=version, actor=superuser)


def test_someone_who_edited_the_draft_cannot_approve_it(tax_set, controller, approver, superuser):
    draft = mapping_draft_open(mapping_set=tax_set, actor=controller)
    add_rules(draft, controller, tax_rule("FR-20", 41))
    add_rules(draft, approver, tax_rule("FR-10", 42))
    mapping_version_submit(version=draft, actor=controller, reason="two rates")
    with pytest.raises(AccessDenied, match="maker-checker"):
        mapping_version_approve(version=draft, actor=approver)
    mapping_version_approve(version=draft, actor=superuser)


def test_the_author_cannot_reject_their_own_version_either(tax_set, controller):
    version = submitted(tax_set, controller, tax_rule("FR-20", 41))
    with pytest.raises(AccessDenied):
        mapping_version_reject(version=version, actor=controller, reason="changed my mind")


def test_a_second_controller_of_the_entity_approves_and_the_version_becomes_active(tax_set, controller, approver):
    version = submitted(tax_set, controller, tax_rule("FR-20", 41))
    mapping_version_approve(version=version, actor=approver, note="checked against the VAT return")
    version.refresh_from_db()
    assert version.status == "active" and version.approver == approver and version.activated_at is not None


def test_a_controller_of_another_entity_cannot_approve(tax_set, controller, controller_de):
    version = submitted(tax_set, controller, tax_rule("FR-20", 41))
    with pytest.raises(AccessDenied):
        mapping_version_approve(version=version, actor=controller_de)


def test_an_auditor_can_neither_edit_nor_approve(tax_set, controller, auditor):
    with pytest.raises(AccessDenied):
        mapping_draft_open(mapping_set=tax_set, actor=auditor)
    version = submitted(tax_set, controller, tax_rule("FR-20", 41))
    with pytest.raises(AccessDenied):
        mapping_version_approve(version=version, actor=auditor)


def test_a_per_set_grant_makes_a_user_outside_the_role_an_approver(tax_set, controller, outsider):
    version = submitted(tax_set, controller, tax_rule("FR-20", 41))
    with pytest.raises(AccessDenied):
        mapping_version_approve(version=version, actor=outsider)
    grant(outsider, ["mappings.approve_mappingset"], tax_set, reason="second approver for FR taxes")
    assert mapping_version_approve(version=version, actor=outsider).status == "active"


def test_approval_retires_the_previous_version_in_the_same_step(tax_set, controller, approver):
    first = approved(tax_set, controller, approver, tax_rule("FR-20", 41))
    second = submitted(tax_set, controller, tax_rule("FR-10", 42))
    mapping_version_approve(version=second, actor=approver)
    first.refresh_from_db()
    assert first.status == "retired" and first.retired_at is not None
    assert list(tax_set.versions.filter(status="active")) == [second]


def test_a_version_cannot_be_approved_twice(tax_set, controller, approver, superuser):
    version = submitted(tax_set, controller, tax_rule("FR-20", 41))
    mapping_version_approve(version=version, actor=approver)
    with pytest.raises(MappingError, match="not pending"):
        mapping_version_approve(version=version, actor=superuser)


def test_submission_needs_a_reason(tax_set, controller):
    draft = mapping_draft_open(mapping_set=tax_set, actor=controller)
    add_rules(draft, controller, tax_rule("FR-20", 41))
    with pytest.raises(MappingError) as error:
        mapping_version_submit(version=draft, actor=controller, reason="  ")
    assert error.value.fields == {"reason": "A reason is required."}


def test_rejection_needs_a_reason_and_keeps_the_rules(tax_set, controller, approver):
    version = submitted(tax_set, controller, tax_rule("FR-20", 41))
    with pytest.raises(MappingError):
        mapping_version_reject(version=version, actor=approver, reason="")
    mapping_version_reject(version=version, actor=approver, reason="FR-20 is the wrong rate for meals")
    version.refresh_from_db()
    assert version.status == "rejected" and version.rejected_reason.startswith("FR-20")
    assert version.rules.count() == 1


def test_a_draft_identical_to_the_active_version_cannot_be_submitted(tax_set, controller, approver):
    approved(tax_set, controller, approver, tax_rule("FR-20", 41))
    draft = mapping_draft_open(mapping_set=tax_set, actor=controller)
    with pytest.raises(MappingError, match="identical"):
        mapping_version_submit(version=draft, actor=controller, reason="no change")


def test_only_drafts_can_be_edited(tax_set, controller):
    version = submitted(tax_set, controller, tax_rule("FR-20", 41))
    with pytest.raises(MappingError, match="only a draft"):
        mapping_rule_add(version=version, actor=controller, **tax_rule("FR-10", 42))
    with pytest.raises(MappingError, match="waiting for approval"):
        mapping_draft_open(mapping_set=tax_set, actor=controller)
    mapping_version_withdraw(version=version, actor=controller)
    mapping_rule_add(version=version, actor=controller, **tax_rule("FR-10", 42))
    assert version.rules.count() == 2


def test_opening_a_draft_twice_returns_the_same_draft(tax_set, controller):
    first = mapping_draft_open(mapping_set=tax_set, actor=controller)
    assert mapping_draft_open(mapping_set=tax_set, actor=controller) == first


def test_a_new_draft_copies_the_active_rules(tax_set, controller, approver):
    approved(tax_set, controller, approver, tax_rule("FR-20", 41), tax_rule("FR-10", 42))
    draft = mapping_draft_open(mapping_set=tax_set, actor=controller)
    assert sorted(draft.rules.values_list("source_value", flat=True)) == ["FR-10", "FR-20"]
    assert draft.number == 2


def test_restore_makes_a_past_version_the_new_draft(tax_set, controller, approver):
    first = approved(tax_set, controller, approver, tax_rule("FR-20", 41))
    draft = mapping_draft_open(mapping_set=tax_set, actor=controller)
    rule = draft.rules.get()
    mapping_rule_update(rule=rule, actor=controller, target_id=42)
    mapping_version_submit(version=draft, actor=controller, reason="switch")
    mapping_version_approve(version=draft, actor=approver)
    restored = mapping_version_restore(version=first, actor=controller)
    assert restored.status == "draft" and restored.based_on == first and restored.number == 3
    assert list(restored.rules.values_list("source_value", "target_id")) == [("FR-20", 41)]
    mapping_version_submit(version=restored, actor=controller, reason="back to 41")
    assert mapping_version_approve(version=restored, actor=approver).status == "active"


def test_restore_is_refused_while_a_draft_exists(tax_set, controller, approver):
    first = approved(tax_set, controller, approver, tax_rule("FR-20", 41))
    mapping_draft_open(mapping_set=tax_set, actor=controller)
    with pytest.raises(MappingError, match="draft"):
        mapping_version_restore(version=first, actor=controller)


def test_a_discarded_draft_disappears_but_its_content_stays_in_the_audit_trail(tax_set, controller):
    draft = mapping_draft_open(mapping_set=tax_set, actor=controller)
    add_rules(draft, controller, tax_rule("FR-20", 41))
    mapping_draft_discard(version=draft, actor=controller, reason="started over")
    assert not MappingSetVersion.objects.filter(pk=draft.pk).exists()
    (entry, payload), *_ = audit_entries("mappingset.draft_discarded")
    assert payload["changes"]["rules"][0]["source_value"] == "FR-20" and entry.reason == "started over"


def test_every_step_is_an_audit_entry_with_the_diff(tax_set, controller, approver):
    draft = mapping_draft_open(mapping_set=tax_set, actor=controller)
    (rule,) = add_rules(draft, controller, tax_rule("FR-20", 41))
    mapping_rule_update(rule=rule, actor=controller, target_id=42)
    extra = mapping_rule_add(version=draft, actor=controller, **tax_rule("FR-10", 42))
    mapping_rule_delete(rule=extra, actor=controller)
    mapping_version_submit(version=draft, actor=controller, reason="rate change")
    mapping_version_approve(version=draft, actor=approver, note="ok")
    kinds = [entry.kind for entry, _ in audit_entries("mappingset")]
    assert kinds == [
        "mappingset.created",
        "mappingsetversion.draft_opened",
        "mappingsetversion.rule_added",
        "mappingsetversion.rule_changed",
        "mappingsetversion.rule_added",
        "mappingsetversion.rule_removed",
        "mappingsetversion.submitted",
        "mappingsetversion.approved",
    ]
    entries = {e.kind: (e, p) for e, p in audit_entries("mappingsetversion")}
    entry, payload = entries["mappingsetversion.approved"]
    assert entry.actor_name == "approver" and entry.entity == "FR" and entry.direction == "audit"
    assert payload["changes"]["rules"]["added"][0]["target_id"] == 42
    assert entries["mappingsetversion.rule_changed"][1]["changes"]["target_id"] == [41, 42]
    assert entries["mappingsetversion.submitted"][0].reason == "rate change"


def test_activation_is_announced_only_after_commit(tax_set, controller, approver, django_capture_on_commit_callbacks):
    heard = []
    mapping_version_activated.connect(lambda **kw: heard.append(kw["version"].number), weak=False, dispatch_uid="t")
    try:
        version = submitted(tax_set, controller, tax_rule("FR-20", 41))
        with django_capture_on_commit_callbacks(execute=True):
            mapping_version_approve(version=version, actor=approver)
        assert heard == [1]
    finally:
        mapping_version_activated.disconnect(dispatch_uid="t")


def test_the_owner_gets_edit_rights_on_the_set_without_the_role(fr_cache, controller, outsider):
    mapping_set = mapping_set_create(
        entity=fr_cache, dimension="category", name="FR categories", owner=outsider, actor=controller
    )
    draft = mapping_draft_open(mapping_set=mapping_set, actor=outsider)
    mapping_rule_add(version=draft, actor=outsider, source_value="TAXI", target_model="product.product", target_id=31)
    assert draft.rules.get().target_name == "Taxi"


def test_a_second_set_for_the_same_dimension_is_refused(tax_set, controller):
    with pytest.raises(MappingError) as error:
        mapping_set_create(
            entity=tax_set.entity, dimension="tax_code", name="again", owner=controller, actor=controller
        )
    assert "already has" in error.value.fields["dimension"]


def test_a_controller_cannot_create_sets_outside_their_entities(entities, controller):
    with pytest.raises(AccessDenied):
        mapping_set_create(entity=entities["DE"], dimension="tax_code", name="DE", owner=controller, actor=controller)


def test_effective_from_is_part_of_what_is_approved(tax_set, controller, approver):
    version = approved(tax_set, controller, approver, tax_rule("FR-20", 41), effective_from=date(2026, 1, 1))
    assert version.effective_from == date(2026, 1, 1)
