"""Expense flows per version, including the methods that return None (committed, yet an XML-RPC fault)."""

import json
import xmlrpc.client

import httpx
import pytest

from tests.sandbox.helpers import Rpc, exception_line

NONE_FAULT = "TypeError: cannot marshal None unless allow_none is enabled"
FLOW = {
    11: ["approve_expense_sheets", "action_sheet_move_create"],
    16: ["action_submit_sheet", "approve_expense_sheets", "action_sheet_move_create"],
    17: ["action_submit_sheet", "action_approve_expense_sheets", "action_sheet_move_create"],
    18: ["action_submit_sheet", "action_approve_expense_sheets", "action_sheet_move_post"],
}


def new_expense(rpc, code="MEALS", amount=50.0, employee_email="someone@example.com", **extra):
    employee = rpc("hr.employee", "search", [["work_email", "=", employee_email]])[0]
    product = rpc("product.product", "search", [["default_code", "=", code]])[0]
    price = {"unit_amount": amount} if rpc.version < 17 else {"price_unit": amount}
    analytic = {"analytic_account_id": 1} if rpc.version < 16 else {"analytic_distribution": {"1": 100}}
    return rpc(
        "hr.expense",
        "create",
        {
            "name": f"{code} expense",
            "employee_id": employee,
            "product_id": product,
            "quantity": 1,
            **price,
            **analytic,
            **extra,
        },
    )


def call_allowing_none(rpc, model, method, ids):
    """XML-RPC: a None result is a faultCode-1 'cannot marshal None' fault, but the work is committed."""
    try:
        return rpc(model, method, ids)
    except xmlrpc.client.Fault as fault:
        assert fault.faultCode == 1 and exception_line(fault) == NONE_FAULT, fault.faultString
        return None


def test_expense_amounts_follow_the_version(rpc):
    expense = new_expense(rpc, amount=100.0, tax_ids=[[6, 0, [3]]])  # FR-10
    if rpc.version < 17:
        row = rpc("hr.expense", "read", [expense], fields=["total_amount"])[0]
        assert row["total_amount"] == 110.0  # taxes on top
    else:
        row = rpc("hr.expense", "read", [expense], fields=["total_amount_currency", "tax_amount"])[0]
        assert row == {"id": expense, "total_amount_currency": 100.0, "tax_amount": 9.09}  # tax included
    assert rpc("hr.expense", "read", [expense], fields=["company_id"])[0]["company_id"][0] == 2


def test_expense_report_flow_posts_a_journal_entry(rpc, sb):
    if rpc.version == 19:
        pytest.skip("19 has no expense report (test_19_expense_flow)")
    expense = new_expense(rpc)
    sheet = rpc(
        "hr.expense.sheet",
        "create",
        {
            "name": "Trip",
            "employee_id": rpc("hr.expense", "read", [expense], fields=["employee_id"])[0]["employee_id"][0],
            "expense_line_ids": [[6, 0, [expense]]],
        },
    )
    assert rpc("hr.expense.sheet", "read", [sheet], fields=["state"])[0]["state"] == (
        "submit" if rpc.version < 12 else "draft"
    )
    for method in FLOW[rpc.version]:
        call_allowing_none(rpc, "hr.expense.sheet", method, [sheet])
    fields = ["state", "account_move_id"] if rpc.version < 17 else ["state", "account_move_ids"]
    row = rpc("hr.expense.sheet", "read", [sheet], fields=fields)[0]
    assert row["state"] == "post"
    move = row["account_move_id"][0] if rpc.version < 17 else row["account_move_ids"][0]
    entry = rpc("account.move", "read", [move], fields=["state", "journal_id", "ref"])[0]
    assert entry["state"] == "posted" and entry["journal_id"][1] == "Expenses" and entry["ref"] == "Trip"
    sb.pay(sheet_ids=[sheet])
    assert rpc("hr.expense.sheet", "read", [sheet], fields=["state"])[0]["state"] == "done"


@pytest.mark.parametrize(("version", "method"), [(11, "approve_expense_sheets"), (16, "action_submit_sheet")])
def test_a_method_returning_none_faults_after_committing(sandbox_for, version, method):
    rpc = Rpc(sandbox_for(version))
    expense = new_expense(rpc)
    employee = rpc("hr.expense", "read", [expense], fields=["employee_id"])[0]["employee_id"][0]
    sheet = rpc(
        "hr.expense.sheet", "create", {"name": "None", "employee_id": employee, "expense_line_ids": [[6, 0, [expense]]]}
    )
    before = rpc("hr.expense.sheet", "read", [sheet], fields=["state"])[0]["state"]
    fault = rpc.fault("hr.expense.sheet", method, [sheet])
    assert fault.faultCode == 1 and exception_line(fault) == NONE_FAULT
    after = rpc("hr.expense.sheet", "read", [sheet], fields=["state"])[0]["state"]
    assert (before, after) == (("submit", "approve") if version == 11 else ("draft", "submit"))


def test_jsonrpc_returns_null_for_the_same_none_method(sandbox_for):
    sb = sandbox_for(16)
    rpc = Rpc(sb)
    expense = new_expense(rpc)
    employee = rpc("hr.expense", "read", [expense], fields=["employee_id"])[0]["employee_id"][0]
    sheet = rpc(
        "hr.expense.sheet", "create", {"name": "Json", "employee_id": employee, "expense_line_ids": [[6, 0, [expense]]]}
    )
    args = [sb.database, rpc.uid, sb.password, "hr.expense.sheet", "action_submit_sheet", [[sheet]]]
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {"service": "object", "method": "execute_kw", "args": args},
    }
    answer = httpx.post(
        sb.url + "/jsonrpc", content=json.dumps(payload), headers={"Content-Type": "application/json"}
    ).json()
    assert answer == {"jsonrpc": "2.0", "id": 1, "result": None}


def test_approving_needs_an_expense_approver(sandbox_for):
    sb = sandbox_for(17)
    admin, clerk = Rpc(sb), Rpc(sb, "restricted", "restricted")
    expense = new_expense(admin, employee_email="restricted@example.com")
    sheet = admin(
        "hr.expense.sheet", "create", {"name": "Mine", "employee_id": 51, "expense_line_ids": [[6, 0, [expense]]]}
    )
    call_allowing_none(admin, "hr.expense.sheet", "action_submit_sheet", [sheet])
    fault = clerk.fault("hr.expense.sheet", "action_approve_expense_sheets", [sheet])
    assert (fault.faultCode, fault.faultString) == (2, "Only Managers and HR Officers can approve expenses")


def test_18_approval_creates_draft_moves_that_posting_posts(sandbox_for):
    rpc = Rpc(sandbox_for(18))
    expense = new_expense(rpc)
    sheet = rpc(
        "hr.expense.sheet",
        "create",
        {"name": "Draft first", "employee_id": 50, "expense_line_ids": [[6, 0, [expense]]]},
    )
    for method in FLOW[18][:2]:
        call_allowing_none(rpc, "hr.expense.sheet", method, [sheet])
    moves = rpc("hr.expense.sheet", "read", [sheet], fields=["account_move_ids"])[0]["account_move_ids"]
    assert [m["state"] for m in rpc("account.move", "read", moves, fields=["state"])] == ["draft"]
    call_allowing_none(rpc, "hr.expense.sheet", "action_sheet_move_post", [sheet])
    assert [m["state"] for m in rpc("account.move", "read", moves, fields=["state"])] == ["posted"]


def test_19_expense_flow_runs_on_the_expense_and_the_post_wizard(sandbox_for):
    sb = sandbox_for(19)
    rpc = Rpc(sb)
    expense = new_expense(rpc)
    call_allowing_none(rpc, "hr.expense", "action_submit", [expense])
    call_allowing_none(rpc, "hr.expense", "action_approve", [expense])
    action = rpc("hr.expense", "action_post", [expense])
    assert action["res_model"] == "hr.expense.post.wizard" and action["context"]["active_ids"] == [expense]
    wizard = rpc("hr.expense.post.wizard", "create", {})
    rpc("hr.expense.post.wizard", "action_post_entry", [wizard], context={"active_ids": [expense]})
    row = rpc("hr.expense", "read", [expense], fields=["state", "account_move_id"])[0]
    assert row["state"] == "posted" and row["account_move_id"]
    company_paid = new_expense(rpc, code="TAXI", payment_mode="company_account")
    call_allowing_none(rpc, "hr.expense", "action_submit", [company_paid])
    call_allowing_none(rpc, "hr.expense", "action_approve", [company_paid])
    call_allowing_none(rpc, "hr.expense", "action_post", [company_paid])
    assert rpc("hr.expense", "read", [company_paid], fields=["state"])[0]["state"] == "paid"
