"""The worklist with the LIVE pipeline: webhook → sync → Odoo 17 sandbox (real sockets), tasks inline.

Each scenario of issue 8's "done when", below the browser: 30 reports of one unmapped employee clear after the
pre-filled rule is approved by a second user; a posting date chosen on a closed-period item is the date Odoo
gets; a duplicate marked as such is rejected with the original linked; transport failures while Odoo is down
are bulk-retried once it is back and post once.
"""

from datetime import date

import pytest
from django.db.models import Q
from django.utils import timezone

from apps.documents.models import Document
from apps.mappings.models import MappingSet, MasterRecord
from apps.worklist import selectors, services
from apps.worklist.forms import WorklistFilterForm
from apps.worklist.models import WorklistItem
from tests.mappings.conftest import approver  # noqa: F401  (fixture)
from tests.sync.conftest import inline_tasks, posting_setup, sandboxes  # noqa: F401  (fixtures)
from tests.worklist import live

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(autouse=True)
def _engine_registered():
    """This suite runs the real flow engine (tests/worklist/conftest.py clears the registry for the unit tests)."""
    from apps.sync.services.redrive import document_redrive
    from apps.worklist import redrive

    redrive.register_redriver(document_redrive)


@pytest.fixture
def setup(posting_setup, inline_tasks, controller):  # noqa: F811
    built = posting_setup(17, trigger="webhook", posting_mode="journal_entry")
    live.configure(built, controller)
    return built


def filtered(user, **query):
    form = WorklistFilterForm(query)
    assert form.is_valid(), form.errors
    return selectors.worklist_item_list(user=user, filters=form.to_filter())


def test_thirty_reports_of_an_unmapped_employee_clear_after_the_prefilled_rule_is_approved(
    setup,
    controller,
    approver,  # noqa: F811
):
    from apps.mappings.services import mapping_version_approve
    from apps.mappings.services.drafts import mapping_rule_propose

    private = "sam.private@example.net"
    for n in range(30):
        live.deliver(live.report(f"R-EMP-{n:02d}", email=private, amount=f"{10 + n}.00"))
    items = filtered(controller, category=["mapping_missing"], q=private)
    assert items.count() == 30 and Document.objects.filter(state="held").count() == 30
    assert {i.context["source_value"] for i in items} == {private}

    employees = MappingSet.objects.get(entity=setup.entity, dimension="employee")
    sam = MasterRecord.objects.get(entity=setup.entity, kind="employees", code=live.SAM)
    draft, _rule = mapping_rule_propose(
        mapping_set=employees, actor=controller, reason="Sam files from his private address",
        source_value=private, target_model="hr.employee", target_id=str(sam.odoo_id),
    )  # fmt: skip
    assert draft.status == "pending_approval"
    started = timezone.now()
    mapping_version_approve(version=draft, actor=approver, note="Checked with HR")
    elapsed = (timezone.now() - started).total_seconds()

    assert Document.objects.filter(state="posted").count() == 30, elapsed
    cleared = WorklistItem.objects.filter(category="mapping_missing")
    assert {(i.status, i.resolved_by_approval) for i in cleared} == {
        ("resolved", f"mappingset:{employees.pk}:v{draft.number}")
    }
    print(f"approval to 30 posted: {elapsed:.2f} s")
    assert all("Fixed by approval" in i.resolution_note for i in cleared)
    for document in Document.objects.all():
        assert len(setup.moves(document.idempotency_key)) == 1  # posted once each


def test_a_posting_date_chosen_on_a_closed_period_item_is_the_date_odoo_gets(setup, controller):
    entity = setup.entity
    entity.fiscalyear_lock_date = date(2026, 11, 30)
    entity.save()
    live.deliver(live.report("R-LOCKED", day="2026-11-20"))
    document = Document.objects.get(source_id="R-LOCKED")
    item = WorklistItem.objects.get(document=document, category="closed_period")
    assert document.state == "held" and item.is_active
    outcome = services.worklist_item_correct(item=item, corrections={"posting_date": "2026-12-01"}, actor=controller)
    assert outcome.retried, outcome.message
    document.refresh_from_db()
    item.refresh_from_db()
    assert document.state == "posted" and item.status == "resolved"
    assert live.move_dates(setup, document.idempotency_key) == [date(2026, 12, 1)]


def test_a_duplicate_marked_with_its_original_is_rejected_and_never_posts(setup, controller):
    live.deliver(live.report("R-TAXI-1"))
    live.deliver(live.report("R-TAXI-2"))  # same employee, amount, date and merchant
    original, copy = Document.objects.get(source_id="R-TAXI-1"), Document.objects.get(source_id="R-TAXI-2")
    assert original.state == "posted" and copy.state == "held"
    item = WorklistItem.objects.get(document=copy, category="duplicate_suspected")
    services.worklist_item_mark_duplicate(
        item=item, actor=controller, note="Same taxi submitted twice.", original_document=original
    )
    item.refresh_from_db()
    copy.refresh_from_db()
    assert item.status == "dismissed" and item.duplicate_of_document == original
    assert copy.state == "rejected" and original.idempotency_key in copy.state_reason
    assert setup.moves(copy.idempotency_key) == []


def test_transport_failures_bulk_retried_after_odoo_is_back_post_once(setup, controller):
    sandbox = setup.sandbox
    sandbox.stop()
    try:
        for n in range(3):
            live.deliver(live.report(f"R-DOWN-{n}", amount=f"{20 + n}.00"))
        items = filtered(controller, category=["transport"])
        assert items.count() == 3 and Document.objects.filter(state="mapped").count() == 3
        assert all("temporary reason" in i.message for i in items)
    finally:
        sandbox.start()
    bulk = services.bulk_action_create(kind="retry", actor=controller, filters=filtered_filter(category=["transport"]))
    bulk.refresh_from_db()
    assert (bulk.status, bulk.succeeded, bulk.failed) == ("done", 3, 0), bulk.errors
    assert Document.objects.filter(state="posted").count() == 3
    assert not WorklistItem.objects.filter(Q(category="transport"), Q(status__in=["open", "assigned"])).exists()
    for document in Document.objects.all():
        assert len(setup.moves(document.idempotency_key)) == 1


def filtered_filter(**query):
    form = WorklistFilterForm(query)
    assert form.is_valid()
    return form.to_filter()


def test_an_approval_closes_what_it_fixed_even_when_the_document_is_held_again_for_something_else(
    setup,
    controller,
    approver,  # noqa: F811
):
    from apps.mappings.services import mapping_version_approve
    from apps.mappings.services.drafts import mapping_rule_propose

    private = "sam.private@example.net"
    raw = live.report("R-TWO")
    raw["employee"]["email"] = private
    raw["lines"][0]["tax_code"] = "FR-99"  # no tax rule either
    live.deliver(raw)
    document = Document.objects.get(source_id="R-TWO")
    assert set(WorklistItem.objects.filter(document=document).values_list("context__dimension", flat=True)) == {
        "employee",
        "tax_code",
    }
    employees = MappingSet.objects.get(entity=setup.entity, dimension="employee")
    sam = MasterRecord.objects.get(entity=setup.entity, kind="employees", code=live.SAM)
    draft, _ = mapping_rule_propose(
        mapping_set=employees, actor=controller, reason="private address",
        source_value=private, target_model="hr.employee", target_id=str(sam.odoo_id),
    )  # fmt: skip
    mapping_version_approve(version=draft, actor=approver)
    document.refresh_from_db()
    assert document.state == "held"  # still: the tax code
    employee = WorklistItem.objects.get(document=document, context__dimension="employee")
    tax = WorklistItem.objects.get(document=document, context__dimension="tax_code")
    assert employee.status == "resolved" and employee.resolved_by_approval.endswith(f":v{draft.number}")
    assert "Fixed by approval" in employee.resolution_note
    assert tax.is_active and tax.attempts == 2
