"""In Chromium: a finance owner adds a rule and submits; a second controller previews the impact and approves;
the document held for the missing tax mapping then resolves and is handed back to the pipeline."""

from decimal import Decimal

import pytest

from tests.mappings.builders import document, line
from tests.mappings.conftest import approved, tax_rule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def held(fr_cache, controller, approver):
    """Active FR sets without a rule for FR-10, and a document held because of it (with its worklist item)."""
    from apps.documents.services import document_receive, document_transition
    from apps.mappings.services import mapping_set_create
    from apps.worklist.services import worklist_item_open

    sets = {
        d: mapping_set_create(entity=fr_cache, dimension=d, name=f"FR {d}", owner=controller, actor=controller)
        for d in ("employee", "currency", "category", "tax_code")
    }
    for dimension in ("employee", "currency"):
        approved(sets[dimension], controller, approver, auto_match=True)
    approved(
        sets["category"],
        controller,
        approver,
        {"source_value": "MEALS", "target_model": "product.product", "target_id": 32},
    )
    approved(sets["tax_code"], controller, approver, tax_rule("FR-20", 41))
    canonical = document(line(category="MEALS", amount="22.00", tax_code="FR-10", tax_amount=Decimal("2.00")))
    stored, _ = document_receive(
        canonical=canonical, connector_slug="expensify", source_system="expensify", raw_payload={}, actor="intake"
    )
    stored = document_transition(stored, "held", actor="pipeline", failed_stage="map", reason="no tax mapping")
    item = worklist_item_open(
        category="mapping_missing",
        subject_key=stored.idempotency_key,
        document=stored,
        message="No tax_code mapping for 'FR-10'",
        stage="map",
        context={"dimension": "tax_code", "source_value": "FR-10"},
    )
    return {"set": sets["tax_code"], "document": stored, "item": item}


def test_owner_edits_and_submits_a_second_controller_approves_and_the_held_document_resolves(
    page,
    login,
    screenshot,
    held,
    monkeypatch,
):
    from apps.documents.codec import from_json
    from apps.mappings.engine import resolve
    from apps.mappings.loader import mapping_context_load
    from apps.mappings.models import MappingSetVersion
    from apps.mappings.services.followup import mapping_version_followup
    from apps.worklist import redrive

    login(page, "controller")
    page.wait_for_url("**/dashboard/")
    page.goto("/mappings/")
    page.click("text=FR tax_code")
    page.get_by_test_id("open-draft").click()
    page.fill("#id_source_value", "FR-10")
    page.get_by_test_id("target-search").fill("FR-10")
    page.wait_for_selector("[data-testid=target-select] option[value='42']", state="attached")
    page.get_by_test_id("target-select").select_option("42")
    page.get_by_test_id("save-rule").click()
    assert "Rule for “FR-10” added." in page.content()
    page.get_by_test_id("submit-reason").fill("Reduced VAT rate for meals")
    page.get_by_test_id("submit").click()
    assert page.get_by_test_id("maker-notice").is_visible()
    assert page.get_by_test_id("approve").count() == 0
    screenshot(page, "mappings-submitted")
    version_url = page.url

    page.click("text=Log out")
    login(page, "approver")
    page.wait_for_url("**/dashboard/")
    page.goto(version_url)
    page.get_by_test_id("preview-link").click()
    assert page.get_by_test_id("items-resolved").inner_text() == "1 of 1"
    assert page.get_by_test_id("pending-changed").inner_text() == "1"
    screenshot(page, "mappings-impact-preview")
    page.go_back()
    page.get_by_test_id("decision-reason").fill("Matches the VAT return")
    page.get_by_test_id("approve").click()
    assert "Approved" in page.content()
    assert page.get_by_test_id("status").first.inner_text() == "Active"

    version = MappingSetVersion.objects.get(mapping_set=held["set"], status="active")
    assert version.approver.username == "approver" and version.author.username == "controller"
    resolution = resolve(from_json(held["document"].canonical), mapping_context_load(["FR"]))
    assert resolution.ok and resolution.lines[0].tax_ids == (42,)
    redriven = []
    monkeypatch.setitem(
        redrive._registry,
        "redrive",
        lambda item, *, actor, dry_run: redriven.append(item.pk) or redrive.RedriveResult(True, "ok"),
    )
    mapping_version_followup(version_id=version.pk, actor=version.approver)
    assert redriven == [held["item"].pk]
