"""Expense-flow posting mode against the sandbox (16–19) over sockets: expenses + report, each version's workflow,
posted once however often it is driven, and resumed from Odoo's state after a connection dropped mid-workflow."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.documents.models import Document
from apps.sync.posting.keys import MODULE, external_name
from apps.sync.services.runs import retry_sweep
from apps.worklist.models import WorklistItem
from tests.sync import helpers

pytestmark = pytest.mark.django_db  # the sandbox is another process: no commit needed here
REPORT_MODEL = {16: "hr.expense.sheet", 17: "hr.expense.sheet", 18: "hr.expense.sheet", 19: None}


def two_lines(source_id, **extra):
    return [helpers.line(f"{source_id}-1", amount="42.50", **extra),
            helpers.line(f"{source_id}-2", amount="21.00", tax_code="FR-10", project="PRJ-BETA", cost_centre="",
                         **extra)]  # fmt: skip


def expenses_of(setup, key) -> list[dict]:
    version = setup.sandbox.version
    fields = ["state", "description", "analytic_distribution", "tax_ids"] + (["account_move_id"] if version >= 19 else
                                                                             ["sheet_id"])  # fmt: skip
    return setup.odoo("hr.expense", "search_read", [["description", "=like", f"{key}:%"]], fields=fields)


def moves_of(setup, key) -> list[dict]:
    expenses = expenses_of(setup, key)
    if setup.sandbox.version >= 19:
        ids = sorted({e["account_move_id"][0] for e in expenses if e["account_move_id"]})
    elif setup.sandbox.version >= 17:
        sheet = setup.odoo("hr.expense.sheet", "search_read", [["name", "=", key]], fields=["id"])[0]
        ids = setup.odoo("account.move", "search", [["expense_sheet_id", "=", sheet["id"]]])
    else:
        sheet = setup.odoo("hr.expense.sheet", "search_read", [["name", "=", key]], fields=["account_move_id"])[0]
        ids = [sheet["account_move_id"][0]]
    return setup.odoo("account.move", "read", ids, fields=["state", "ref", "line_ids"]) if ids else []


def assert_expense_report_posted_once(setup, document, lines: int):
    document.refresh_from_db()
    assert document.state == "posted", document.state_reason
    key = document.idempotency_key
    expenses = expenses_of(setup, key)
    assert len(expenses) == lines
    assert {e["state"] for e in expenses} <= {"done", "posted", "paid"}
    if REPORT_MODEL[setup.sandbox.version]:
        sheets = setup.odoo("hr.expense.sheet", "search_read", [["name", "=", key]], fields=["state"])
        assert [s["state"] for s in sheets] in (["post"], ["done"])
        assert document.odoo_model == "hr.expense.sheet" and document.odoo_ids == [sheets[0]["id"]]
        assert setup.count("ir.model.data", [["module", "=", MODULE], ["name", "=", external_name(key)]]) == 1
    else:
        assert document.odoo_model == "hr.expense" and sorted(document.odoo_ids) == sorted(e["id"] for e in expenses)
    moves = moves_of(setup, key)
    assert moves and {m["state"] for m in moves} == {"posted"}
    return expenses, moves


@pytest.mark.parametrize("version, protocol", [(16, "xmlrpc"), (17, "xmlrpc"), (18, "jsonrpc"), (19, "json2")])
def test_report_goes_through_each_versions_expense_flow_once(posting_setup, version, protocol):
    setup = posting_setup(version, protocol=protocol, posting_mode="expense")
    document = helpers.receive(setup, helpers.report("R-EXP", lines=two_lines("R-EXP")))
    for _ in range(2):
        helpers.run(setup)
    expenses, _moves = assert_expense_report_posted_once(setup, document, lines=2)
    by_line = {e["description"].rsplit(":", 1)[1]: e for e in expenses}
    assert by_line["R-EXP-1"]["analytic_distribution"] == {"1": 100.0, "4": 100.0}
    assert by_line["R-EXP-2"]["tax_ids"] == [3]


def test_a_mixed_report_becomes_one_report_per_payment_mode(posting_setup):
    setup = posting_setup(17, posting_mode="expense")
    lines = [helpers.line("R-MIX-1"), helpers.line("R-MIX-2", amount="10.00", payment="company", merchant="Shell")]
    document = helpers.receive(setup, helpers.report("R-MIX", lines=lines))
    for _ in range(2):
        helpers.run(setup)
    document.refresh_from_db()
    assert document.state == "posted", document.state_reason
    sheets = setup.odoo("hr.expense.sheet", "search_read", [["name", "like", document.idempotency_key]],
                        fields=["name", "state", "payment_mode"])  # fmt: skip
    assert sorted((s["payment_mode"], s["state"]) for s in sheets) == [("company_account", "done"),
                                                                        ("own_account", "post")]  # fmt: skip
    assert sorted(document.odoo_ids) == sorted(s["id"] for s in sheets)


@pytest.mark.parametrize("version, model, method", [(17, "hr.expense.sheet", "action_approve_expense_sheets"),
                                                    (17, "hr.expense", "create"),
                                                    (19, "hr.expense", "action_post")])  # fmt: skip
def test_connection_dropped_mid_workflow_resumes_from_odoos_state(posting_setup, version, model, method):
    setup = posting_setup(version, posting_mode="expense")
    document = helpers.receive(setup, helpers.report("R-EXPDROP", lines=two_lines("R-EXPDROP")))
    setup.sandbox.set_faults({"drop_after_commit": {"model": model, "method": method, "count": 1}})
    helpers.run(setup)
    document.refresh_from_db()
    assert document.state == "mapped"  # released for a retry; Odoo holds part of the work
    for _ in range(2):
        retry_sweep(now=timezone.now() + timedelta(hours=2))
    assert_expense_report_posted_once(setup, document, lines=2)


def test_an_employee_without_work_contact_is_held_with_odoos_words(posting_setup):
    setup = posting_setup(17, posting_mode="expense")
    setup.odoo("hr.employee", "write", [50], {"work_contact_id": False})
    document = helpers.receive(setup, helpers.report("R-NOCONTACT"))
    for _ in range(2):
        helpers.run(setup)
    document.refresh_from_db()
    assert document.state == "held" and document.failed_stage == "post"
    item = WorklistItem.objects.get(document=document)
    assert "No work contact found for the employee Sam Someone" in item.detail
    assert setup.odoo("hr.expense.sheet", "search_count", [["name", "=", document.idempotency_key]]) == 1
    setup.odoo("hr.employee", "write", [50], {"work_contact_id": 57})  # fixed in Odoo, then re-driven
    from apps.sync.services.redrive import document_redrive

    for _ in range(2):
        document_redrive(item, actor="test")
        helpers.process(document)
    assert_expense_report_posted_once(setup, Document.objects.get(pk=document.pk), lines=1)
