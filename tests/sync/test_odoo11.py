"""The core flow against the REAL Odoo 11 (journal-entry mode): posted once, whatever is repeated."""

import os
import socket
import uuid

import pytest

from apps.documents.models import Document
from apps.documents.normalize.canonical import normalize_canonical
from apps.documents.services import document_receive
from apps.sync.posting.keys import MODULE, external_name
from apps.sync.services.gateway import forget_gateways, gateway_for
from apps.sync.services.runs import sync_run_create, sync_run_execute
from tests.services import required_service
from tests.sync import helpers

pytestmark = [pytest.mark.odoo11, pytest.mark.django_db]
URL = os.environ.get("ODOO11_URL", "http://127.0.0.1:8069")
DB, LOGIN, PASSWORD = (os.environ.get(k, d) for k, d in (("ODOO11_DB", "odoo11"), ("ODOO11_LOGIN", "admin"),
                                                          ("ODOO11_PASSWORD", "admin")))  # fmt: skip


def odoo11_answers() -> bool:
    host, _, port = URL.split("//")[1].partition(":")
    try:
        with socket.create_connection((host, int(port or 80)), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def setup(entities, it_admin, controller):
    required_service("odoo11", odoo11_answers(), f"nothing answers on {URL}")
    forget_gateways()
    us = entities["US"]
    target = helpers.odoo_connector(it_admin, url=URL, database=DB, login=LOGIN, password=PASSWORD,
                                    entities=[us])  # fmt: skip
    source = helpers.webhook_connector(it_admin, entities=[us])
    helpers.master(us, "employees", 2, code="someone@example.com", name="Antoine Langlais")
    helpers.master(us, "accounts", 19, code="220000", name="Expenses")
    helpers.master(us, "taxes", 2, code="Tax 15.00%", data={"type_tax_use": "purchase", "amount": 15.0})
    helpers.master(us, "currencies", 3, code="USD")
    helpers.active_mapping(us, "employee", controller, [("someone@example.com", "hr.employee", 2)])
    helpers.active_mapping(us, "category", controller, [("TAXI", "account.account", 19)])
    helpers.active_mapping(us, "tax_code", controller, [("US-15", "account.tax", 2)])
    helpers.active_mapping(us, "currency", controller, [("USD", "res.currency", 3)])
    flow = helpers.flow(source, target, [us], trigger="manual", journal_code="MISC")
    return flow


def receive(flow, source_id, lines=None):
    raw = helpers.report(
        source_id,
        entity="US",
        currency="USD",
        lines=lines
        or [
            {
                "id": f"{source_id}-{i}",
                "date": "2026-11-20",
                "amount": "115.00",
                "currency": "USD",
                "category": "TAXI",
                "tax_code": "US-15",
                "merchant": "Yellow Cab",
                "receipt": True,
                "payment": "employee",
            }
            for i in range(3)
        ],
    )
    return document_receive(canonical=normalize_canonical(raw), connector_slug=flow.source.slug,
                            source_system="generic", raw_payload=raw, actor="test")[0]  # fmt: skip


def moves_for(flow, key):
    gateway = gateway_for(flow.target)
    return gateway.search_read("account.move", [["ref", "=", key]], ["state", "name", "amount"])


def test_a_report_posts_one_balanced_entry_in_odoo11_and_a_second_run_adds_nothing(setup):
    flow = setup
    document = receive(flow, f"R-{uuid.uuid4().hex[:8]}")
    for _ in range(2):
        run = sync_run_execute(run_id=sync_run_create(flow=flow, trigger="manual", actor="test").pk)
    document.refresh_from_db()
    assert document.state == "posted", document.state_reason
    found = moves_for(flow, document.idempotency_key)
    assert len(found) == 1 and found[0]["state"] == "posted"
    assert found[0]["amount"] == pytest.approx(345.0)
    tag = gateway_for(flow.target).lookup_external_id(MODULE, external_name(document.idempotency_key))
    assert tag == ("account.move", found[0]["id"])
    assert run.posted == 0  # the second run found nothing left to post
    assert Document.objects.filter(state="posted").count() == 1


def test_dry_run_shows_the_payload_and_writes_nothing(setup):
    from apps.ledger.models import LedgerEntry
    from apps.sync.services.dryrun import flow_dry_run

    flow = setup
    document = receive(flow, f"R-{uuid.uuid4().hex[:8]}")
    ledger_before = LedgerEntry.objects.count()
    plan = flow_dry_run(flow=flow)
    assert [p["action"] for p in plan] == ["create and post"]
    assert plan[0]["payload"]["ref"] == document.idempotency_key
    assert LedgerEntry.objects.count() == ledger_before and moves_for(flow, document.idempotency_key) == []


@pytest.mark.parametrize("policy, state", [("hold", "held"), ("reject", "rejected"),
                                           ("post_next_open_date", "posted")])  # fmt: skip
def test_closed_period_policies_decide_before_odoo(setup, policy, state):
    import datetime

    from apps.worklist.models import WorklistItem

    flow = setup
    flow.closed_period_policy = policy
    flow.save()
    entity = flow.entities.get()
    entity.fiscalyear_lock_date = datetime.date(2026, 11, 30)
    entity.save()
    document = receive(flow, f"R-{uuid.uuid4().hex[:8]}")
    for _ in range(2):
        sync_run_execute(run_id=sync_run_create(flow=flow, trigger="manual", actor="test").pk)
    document.refresh_from_db()
    assert document.state == state, document.state_reason
    if state == "held":
        assert WorklistItem.objects.filter(document=document, category="closed_period").count() == 1
    found = moves_for(flow, document.idempotency_key)
    assert len(found) == (1 if state == "posted" else 0)
    if state == "posted":
        move = gateway_for(flow.target).read("account.move", [found[0]["id"]], ["date"])[0]
        assert move["date"] == "2026-12-01"


def test_refused_tax_becomes_a_worklist_item_with_odoos_words(setup, controller):
    from apps.worklist.models import WorklistItem

    flow = setup
    us = flow.entities.get()
    helpers.active_mapping(us, "category", controller, [("TAXI", "account.account", 999999)])
    helpers.master(us, "accounts", 999999, code="999999", name="Ghost")
    document = receive(flow, f"R-{uuid.uuid4().hex[:8]}")
    sync_run_execute(run_id=sync_run_create(flow=flow, trigger="manual", actor="test").pk)
    document.refresh_from_db()
    assert document.state == "held" and document.failed_stage == "post"
    item = WorklistItem.objects.get(document=document)
    assert item.stage == "post" and item.detail


@pytest.fixture
def expense_setup(setup, controller):
    """The Odoo 11 flow in expense mode: John Smith (who has a home address) and the `EXP` expense product."""
    flow = setup
    us = flow.entities.get()
    helpers.master(us, "employees", 3, code="john@odoo.com", name="John Smith")
    helpers.master(us, "expense_categories", 41, code="EXP", name="Expenses")
    helpers.active_mapping(us, "employee", controller, [("someone@example.com", "hr.employee", 3)])
    helpers.active_mapping(us, "category", controller, [("TAXI", "product.product", 41)])
    flow.posting_mode = "expense"
    flow.save()
    return flow


def test_the_odoo11_expense_flow_posts_one_report_through_approve_none_return(expense_setup):
    flow = expense_setup
    document = receive(flow, f"R-{uuid.uuid4().hex[:8]}")
    for _ in range(2):
        sync_run_execute(run_id=sync_run_create(flow=flow, trigger="manual", actor="test").pk)
    document.refresh_from_db()
    assert document.state == "posted", document.state_reason
    gateway = gateway_for(flow.target)
    sheets = gateway.search_read("hr.expense.sheet", [["name", "=", document.idempotency_key]],
                                 ["state", "account_move_id", "expense_line_ids"])  # fmt: skip
    assert len(sheets) == 1 and sheets[0]["state"] == "post" and len(sheets[0]["expense_line_ids"]) == 3
    assert document.odoo_model == "hr.expense.sheet" and document.odoo_ids == [sheets[0]["id"]]
    move = gateway.read("account.move", [sheets[0]["account_move_id"][0]], ["state", "amount"])[0]
    assert move["state"] == "posted" and move["amount"] == pytest.approx(345.0)  # 3 × (100 + 15 % tax)
    tag = gateway.lookup_external_id(MODULE, external_name(document.idempotency_key))
    assert tag == ("hr.expense.sheet", sheets[0]["id"])
    expenses = gateway.search_count("hr.expense", [["description", "=like", f"{document.idempotency_key}:%"]])
    assert expenses == 3


def test_an_odoo11_employee_without_home_address_is_held_with_odoos_words(expense_setup, controller):
    flow = expense_setup
    us = flow.entities.get()
    helpers.master(us, "employees", 2, code="antoine@odoo.com", name="Antoine Langlais")
    helpers.active_mapping(us, "employee", controller, [("someone@example.com", "hr.employee", 2)])
    document = receive(flow, f"R-{uuid.uuid4().hex[:8]}")
    for _ in range(2):
        sync_run_execute(run_id=sync_run_create(flow=flow, trigger="manual", actor="test").pk)
    document.refresh_from_db()
    assert document.state == "held" and document.failed_stage == "post"
    from apps.worklist.models import WorklistItem

    detail = WorklistItem.objects.get(document=document).detail
    assert "No Home Address found for the employee Antoine Langlais" in detail
