"""Journal entries generated from expenses (shared by the sheet flows of 11/16–18 and the 19 expense flow)."""

from __future__ import annotations

from ..errors import UserError
from .base import company_property


def require_approver(env):
    if not env.has_group("hr_expense.group_hr_expense_user"):
        if env.version < 12:
            raise UserError("Only HR Officers can approve expenses")
        raise UserError("Only Managers and HR Officers can approve expenses")


def _payable_account(env, company_id, code="2110"):
    for acc in env.store.table("account.account").values():
        companies = acc.get("company_ids") or [acc.get("company_id")]
        if company_id in companies and acc.get("code") == code:
            return acc["id"]
    return False


def post_expense_moves(env, expense_ids, sheet, paid=False, post=True, date=None) -> list[int]:
    """Create one journal entry for the given expenses (debit expense + tax, credit payable/card) and post it."""
    moves = env["account.move"]
    expenses = [env.store.get("hr.expense", i) for i in expense_ids]
    first = expenses[0]
    company_id = first["company_id"]
    company_account = first.get("payment_mode") == "company_account"
    journal_id = (sheet or {}).get("bank_journal_id" if company_account and env.version < 12 else "journal_id")
    if not journal_id:
        journal_id = journal_by_code(env, company_id, "CARD" if company_account else "EXP")
    lines = []
    for exp in expenses:
        employee = env.store.get("hr.employee", exp["employee_id"]) or {}
        partner = employee.get("address_home_id") if env.version < 16 else employee.get("work_contact_id")
        if not company_account and not partner:
            if env.version < 12:
                raise UserError(f"No Home Address found for the employee {employee.get('name')}, please configure one.")
            raise UserError(f"No work contact found for the employee {employee.get('name')}, please configure one.")
        total, tax = env["hr.expense"].amounts(env, exp)
        label = f"{employee.get('name')}: {exp['name'][:64]}"
        debit = {
            "name": label,
            "account_id": exp.get("account_id"),
            "debit": round(total - tax, 2),
            "credit": 0.0,
            "partner_id": partner,
        }
        if env.version < 16 and exp.get("analytic_account_id"):
            debit["analytic_account_id"] = exp["analytic_account_id"]
        if env.version >= 16 and exp.get("analytic_distribution"):
            debit["analytic_distribution"] = exp["analytic_distribution"]
        lines.append(debit)
        if tax:
            lines.append(
                {
                    "name": f"{label} (tax)",
                    "account_id": _payable_account(env, company_id, "2300"),
                    "debit": round(tax, 2),
                    "credit": 0.0,
                }
            )
        # employee-paid: the employee's contact's payable in the expense's company (2110 for the seeded ones)
        counter = (
            _payable_account(env, company_id, "2150")
            if company_account
            else company_property(env, env.store.get("res.partner", partner) or {}, "payable", company_id)
        )
        lines.append(
            {"name": label, "account_id": counter, "debit": 0.0, "credit": round(total, 2), "partner_id": partner}
        )
    vals = {
        "journal_id": journal_id,
        "date": date or (sheet or {}).get("accounting_date") or max(e.get("date") or "" for e in expenses),
        "ref": (sheet or {}).get("name") or first["name"],
        "line_ids": [(0, 0, line) for line in lines],
    }
    if env.version >= 17:
        vals["move_type"] = "in_receipt" if not company_account else "entry"
    if env.version in (17, 18) and sheet:
        vals["expense_sheet_id"] = sheet["id"]
    move_id = moves.create_records(env.sudo(), [vals])[0]
    if post:
        moves.post_moves(env.sudo(), [move_id], redate=env.version >= 13)
        if paid and env.version >= 14:
            env.store.update("account.move", move_id, {"payment_state": "paid"})
    for exp in expenses:
        values = (
            {"state": "done"}
            if env.version < 19
            else {"state": "paid" if paid else "posted", "account_move_id": move_id}
        )
        if env.version < 19 and not post:
            values = {}
        if values:
            env.store.update("hr.expense", exp["id"], values)
    return [move_id]


def journal_by_code(env, company_id, code):
    for journal in env.store.table("account.journal").values():
        if journal.get("company_id") == company_id and journal.get("code") == code:
            return journal["id"]
    return False
