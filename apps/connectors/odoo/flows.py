"""Version-independent write flows: an expense report from creation to posted entry, and journal entries.

The profile supplies the vocabulary (field names, analytic format, workflow methods); these functions only
sequence the calls and read the outcome back — after the None-return fault of some workflow methods the
server state, not the call result, is the truth.
"""

from dataclasses import dataclass, field

from apps.connectors.odoo.master_data import _id


@dataclass
class ExpenseLine:
    product_id: int
    name: str
    date: str
    unit_amount: float
    quantity: float = 1.0
    analytic_account_id: int | None = None
    analytic_split: dict[int, float] | None = None
    tax_ids: list[int] = field(default_factory=list)
    payment_mode: str = "own_account"
    currency_id: int | None = None
    description: str | None = None


@dataclass
class ExpenseReport:
    report_id: int | None  # hr.expense.sheet id; None on 19 (no reports)
    expense_ids: list[int]
    state: str = "draft"
    move_ids: list[int] = field(default_factory=list)


@dataclass
class MoveLine:
    account_id: int
    name: str
    debit: float = 0.0
    credit: float = 0.0
    partner_id: int | None = None
    analytic_account_id: int | None = None
    analytic_split: dict[int, float] | None = None
    tax_ids: list[int] = field(default_factory=list)


# --------------------------------------------------------------------------------------------- expenses
def expense_vals(profile, *, employee_id: int, line: ExpenseLine, company_id: int | None = None) -> dict:
    vals = {
        "name": line.name,
        "employee_id": employee_id,
        "product_id": line.product_id,
        "date": line.date,
        profile.expense_price_field: line.unit_amount,
        "quantity": line.quantity,
        "payment_mode": line.payment_mode,
        **profile.analytic_value(line.analytic_account_id, line.analytic_split),
    }
    optional = {"tax_ids": [[6, 0, list(line.tax_ids)]] if line.tax_ids else None, "company_id": company_id}
    optional |= {"currency_id": line.currency_id, "description": line.description}
    return vals | {k: v for k, v in optional.items() if v}


def create_expense_report(gw, *, employee_id: int, name: str, lines: list[ExpenseLine], company_id=None):
    """The expenses and (11–18) the report holding them, not yet submitted; returns an ExpenseReport."""
    profile = gw.profile
    values = [expense_vals(profile, employee_id=employee_id, line=line, company_id=company_id) for line in lines]
    expense_ids = gw.create("hr.expense", values)
    report_id = None
    if profile.has_expense_report():
        sheet = {"name": name, "employee_id": employee_id, "expense_line_ids": [[6, 0, expense_ids]]}
        report_id = gw.create(
            profile.expense_flow.report_model, sheet | ({"company_id": company_id} if company_id else {})
        )
    return ExpenseReport(report_id=report_id, expense_ids=expense_ids, state=profile.expense_flow.created_state)


def post_expense_report(gw, report: ExpenseReport) -> ExpenseReport:
    """Submit, approve and post (each version's methods, in order); then read state and journal entries."""
    flow = gw.profile.expense_flow
    for model, method in flow.steps:
        ids = [report.report_id] if model == flow.report_model else report.expense_ids
        result = gw.call(model, method, ids)  # None when the method returned None: committed anyway
        if isinstance(result, dict) and result.get("res_model") == "hr.expense.post.wizard":
            _run_post_wizard(gw, ids, result)
    return read_expense_report(gw, report)


def _run_post_wizard(gw, expense_ids: list[int], action: dict) -> None:
    """19: posting employee-paid expenses opens a wizard whose action reads context['active_ids']."""
    context = {**(action.get("context") or {}), "active_model": "hr.expense", "active_ids": expense_ids}
    wizard_id = gw.create("hr.expense.post.wizard", {}, context=context)
    gw.call("hr.expense.post.wizard", "action_post_entry", [wizard_id], context=context)


def read_expense_report(gw, report: ExpenseReport) -> ExpenseReport:
    flow = gw.profile.expense_flow
    if flow.report_model:
        row = gw.read(flow.report_model, [report.report_id], ["state", flow.move_field])[0]
        moves = row.get(flow.move_field)
        move_ids = list(moves) if flow.move_field.endswith("_ids") else [m for m in [_id(moves)] if m]
        return ExpenseReport(report.report_id, report.expense_ids, row["state"], move_ids)
    rows = gw.read("hr.expense", report.expense_ids, ["state", flow.move_field])
    states = {r["state"] for r in rows}
    move_ids = sorted({_id(r.get(flow.move_field)) for r in rows} - {None})
    state = states.pop() if len(states) == 1 else "mixed"
    return ExpenseReport(None, report.expense_ids, state, move_ids)


# --------------------------------------------------------------------------------------------- journal entries
def journal_entry_vals(profile, *, journal_id: int, date: str, ref: str, lines: list[MoveLine], company_id=None):
    """account.move values in the version's vocabulary (move_type, analytic field)."""
    line_vals = []
    for line in lines:
        vals = {"account_id": line.account_id, "name": line.name, "debit": line.debit, "credit": line.credit}
        if line.partner_id:
            vals["partner_id"] = line.partner_id
        if line.tax_ids:
            vals["tax_ids"] = [[6, 0, list(line.tax_ids)]]
        vals |= profile.analytic_value(line.analytic_account_id, line.analytic_split)
        line_vals.append([0, 0, vals])
    move = {"journal_id": journal_id, "date": date, "ref": ref, "line_ids": line_vals}
    if profile.move_type_field:
        move[profile.move_type_field] = "entry"
    if company_id:
        move["company_id"] = company_id
    return move


def create_journal_entries(gw, entries: list[dict], *, post: bool = True) -> list[int]:
    """Create many entries (one call from 12 on) and post them in one call; returns their ids."""
    profile = gw.profile
    ids = gw.create("account.move", [journal_entry_vals(profile, **entry) for entry in entries])
    if post:
        gw.post_moves(ids)
    return ids
