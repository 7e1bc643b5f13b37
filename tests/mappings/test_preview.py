"""Impact preview: computed from stored documents, and equal to a replay of them after the approval."""

from datetime import date
from decimal import Decimal

import pytest

from apps.mappings.engine import resolve
from apps.mappings.loader import mapping_context_load
from apps.mappings.preview import compare, item_resolved_by, mapping_version_preview
from apps.mappings.services import (
    mapping_draft_open,
    mapping_rule_add,
    mapping_rule_update,
    mapping_set_create,
    mapping_version_approve,
    mapping_version_submit,
)
from tests.mappings.builders import document, line
from tests.mappings.conftest import approved, tax_rule

pytestmark = pytest.mark.django_db


def category(source, target):
    return {"source_value": source, "target_model": "product.product", "target_id": target}


def receive(canonical, *states):
    from apps.documents.services import document_receive, document_transition

    stored, _ = document_receive(
        canonical=canonical, connector_slug="expensify", source_system="expensify", raw_payload={}, actor="test-intake"
    )
    for state in states:
        stored = document_transition(
            stored,
            state,
            actor="test",
            failed_stage="map" if state == "held" else "",
            reason="mapping" if state == "held" else "",
        )
    return stored


@pytest.fixture
def world(fr_cache, controller, approver):
    """Active FR sets (employees and currency by key, taxes, categories TAXI only) and four stored documents."""
    from apps.worklist.services import worklist_item_open

    sets = {}
    for dimension, rules, auto in (
        ("employee", [], True),
        ("currency", [], True),
        ("tax_code", [tax_rule("FR-20", 41)], False),
        ("category", [category("TAXI", 31)], False),
    ):
        sets[dimension] = mapping_set_create(
            entity=fr_cache, dimension=dimension, name=dimension, owner=controller, actor=controller
        )
        approved(sets[dimension], controller, approver, *rules, auto_match=auto)
    taxi = receive(document(line(category="TAXI", tax_code="FR-20", tax_amount=Decimal("2.00")), source="A"))
    meals = receive(document(line(category="MEALS"), source="B"), "held")
    hotel = receive(document(line(category="HOTEL"), source="C"), "validated", "mapped", "posting", "posted")
    parking = receive(document(line(category="PARKING"), source="D"), "held")
    for stored, value in ((meals, "MEALS"), (parking, "PARKING")):
        worklist_item_open(
            category="mapping_missing",
            subject_key=stored.idempotency_key,
            document=stored,
            message=f"No category mapping for {value}",
            stage="map",
            context={"dimension": "category", "source_value": value},
        )
    return {"sets": sets, "documents": [taxi, meals, hotel, parking]}


def candidate_adding_meals_and_hotel(world, controller):
    draft = mapping_draft_open(mapping_set=world["sets"]["category"], actor=controller)
    mapping_rule_add(version=draft, actor=controller, **category("MEALS", 32))
    mapping_rule_add(version=draft, actor=controller, **category("HOTEL", 33))
    return mapping_version_submit(version=draft, actor=controller, reason="new categories")


def test_the_preview_counts_resolved_items_changed_and_pending_documents(world, controller):
    preview = mapping_version_preview(version=candidate_adding_meals_and_hotel(world, controller), actor=controller)
    assert preview.documents_considered == 4
    assert preview.changed_count == 2 and preview.pending_changed_count == 1
    assert preview.open_items == 2 and len(preview.items_resolved) == 1
    meals = next(d for d in preview.documents if d.source_id == "B")
    assert {"line_id": "L1", "field": "product_id", "before": None, "after": 32} in meals.changes
    assert meals.pending and not meals.ok_before and meals.ok_after


def test_the_preview_numbers_match_a_replay_after_approval(world, controller, approver):
    from apps.documents.codec import from_json
    from apps.worklist.models import WorklistItem

    version = candidate_adding_meals_and_hotel(world, controller)
    preview = mapping_version_preview(version=version, actor=controller)
    before = mapping_context_load(["FR"])
    mapping_version_approve(version=version, actor=approver)
    after = mapping_context_load(["FR"])
    changed, resolved = set(), set()
    for stored in world["documents"]:
        canonical = from_json(stored.canonical)
        old, new = resolve(canonical, before), resolve(canonical, after)
        if compare(old, new):
            changed.add(stored.pk)
        for item in WorklistItem.objects.filter(document=stored, status__in=["open", "assigned"]):
            if item_resolved_by(item.context, item.category, new):
                resolved.add(item.pk)
    assert changed == {d.document_id for d in preview.documents}
    assert resolved == set(preview.items_resolved)


def test_a_change_that_breaks_documents_shows_them_as_newly_failing(world, controller):
    draft = mapping_draft_open(mapping_set=world["sets"]["category"], actor=controller)
    mapping_rule_update(rule=draft.rules.get(), actor=controller, source_value="CAB")
    version = mapping_version_submit(version=draft, actor=controller, reason="rename")
    preview = mapping_version_preview(version=version, actor=controller)
    assert preview.newly_failing_count == 1 and preview.documents[0].source_id == "A"


def test_a_future_dated_candidate_changes_only_documents_from_its_date(world, controller):
    from apps.mappings.services import mapping_draft_configure

    draft = mapping_draft_open(mapping_set=world["sets"]["category"], actor=controller)
    mapping_rule_add(version=draft, actor=controller, **category("MEALS", 32))
    mapping_draft_configure(version=draft, actor=controller, effective_from=date(2030, 1, 1))
    version = mapping_version_submit(version=draft, actor=controller, reason="from 2030")
    assert mapping_version_preview(version=version, actor=controller).changed_count == 0


def test_the_preview_api_reports_the_same_numbers(world, controller, client_for):
    from django.urls import reverse

    version = candidate_adding_meals_and_hotel(world, controller)
    body = client_for(controller).get(reverse("mappings-api:version-preview", kwargs={"pk": version.pk})).json()
    assert (body["documents_changed"], body["pending_documents_changed"], body["items_resolved"]) == (2, 1, 1)
    page = client_for(controller).get(reverse("mappings:version_preview", kwargs={"pk": version.pk}))
    assert b'data-testid="items-resolved">1 of 2' in page.content


def test_the_preview_page_shows_names_not_ids(world, controller, client_for):
    from django.urls import reverse

    version = candidate_adding_meals_and_hotel(world, controller)
    page = client_for(controller).get(reverse("mappings:version_preview", kwargs={"pk": version.pk})).content.decode()
    assert "Meals (#32)" in page and "Expense product" in page and "mapping_missing: category &#x27;MEALS&#x27;" in page
