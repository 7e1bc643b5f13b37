"""The daily dangling-rule check, worklist routing to the set owner, and the re-drive after an approval."""

from decimal import Decimal

import pytest

from apps.mappings.models import MasterRecord
from apps.mappings.services import mapping_dangling_check
from apps.mappings.services.followup import mapping_version_followup
from tests.mappings.conftest import approved, tax_rule

pytestmark = pytest.mark.django_db


def open_items(**filters):
    from apps.worklist.models import WorklistItem

    return WorklistItem.objects.filter(status__in=["open", "assigned"], **filters)


def test_a_rule_whose_target_was_archived_becomes_an_item_for_the_owner(tax_set, controller, approver):
    approved(tax_set, controller, approver, tax_rule("FR-20", 41), tax_rule("FR-10", 42))
    assert mapping_dangling_check()["dangling"] == 0
    MasterRecord.objects.filter(kind="taxes", odoo_id=42).update(active=False)
    assert mapping_dangling_check() == {"checked_versions": 1, "dangling": 1, "resolved": 0}
    (item,) = open_items(category="master_data_missing")
    assert item.assignee == controller and item.routed_via == "owner of the mapping set"
    assert item.context["source_value"] == "FR-10" and "archived" in item.message
    assert mapping_dangling_check()["dangling"] == 1 and open_items().count() == 1  # no duplicate
    MasterRecord.objects.filter(kind="taxes", odoo_id=42).update(active=True)
    assert mapping_dangling_check()["resolved"] == 1 and open_items().count() == 0


def test_pipeline_items_naming_a_dimension_go_to_the_owner_of_that_set(tax_set, controller, approver, entities):
    from apps.worklist.services import worklist_item_open

    tax_set.owner = approver
    tax_set.save()
    item = worklist_item_open(
        category="mapping_missing",
        subject_key="doc-1",
        entity=entities["FR"],
        message="No tax mapping for FR-55",
        context={"dimension": "tax_code"},
    )
    assert item.assignee == approver
    other = worklist_item_open(
        category="mapping_missing",
        subject_key="doc-2",
        entity=entities["FR"],
        message="No project mapping",
        context={"dimension": "project"},
    )
    assert other.routed_via != "owner of the mapping set"


def test_an_approval_links_and_redrives_the_items_it_fixes(fr_cache, controller, approver, monkeypatch):
    from apps.documents.services import document_receive
    from apps.mappings.services import mapping_set_create
    from apps.worklist import redrive
    from apps.worklist.services import worklist_item_open
    from tests.mappings.builders import document, line

    sets = {
        d: mapping_set_create(entity=fr_cache, dimension=d, name=d, owner=controller, actor=controller)
        for d in ("employee", "currency", "category", "tax_code")
    }
    for dimension in ("employee", "currency"):
        approved(sets[dimension], controller, approver, auto_match=True)
    approved(
        sets["category"],
        controller,
        approver,
        {"source_value": "TAXI", "target_model": "product.product", "target_id": 31},
    )
    held, _ = document_receive(
        canonical=document(line(tax_code="FR-20", tax_amount=Decimal("2.00"))),
        connector_slug="expensify",
        source_system="expensify",
        raw_payload={},
        actor="intake",
    )
    item = worklist_item_open(
        category="mapping_missing",
        subject_key=held.idempotency_key,
        document=held,
        message="No tax mapping for FR-20",
        context={"dimension": "tax_code", "source_value": "FR-20"},
    )
    redriven = []
    monkeypatch.setitem(
        redrive._registry,
        "redrive",
        lambda it, *, actor, dry_run: redriven.append(it.pk) or redrive.RedriveResult(True, "ok"),
    )
    version = approved(sets["tax_code"], controller, approver, tax_rule("FR-20", 41))
    outcome = mapping_version_followup(version_id=version.pk, actor=approver)
    assert outcome == {"mapping_missing:tax_code:FR-20": 1} and redriven == [item.pk]
    item.refresh_from_db()
    assert item.resolved_by_approval == f"mappingset:{sets['tax_code'].pk}:v1"
