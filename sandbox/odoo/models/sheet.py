"""hr.expense.sheet (11, 16–18) and hr.expense.post.wizard (19), with each version's method names."""

from __future__ import annotations

from .. import fields as F
from ..errors import UserError, ValidationError
from ..orm import Model, public
from .expense_moves import journal_by_code, post_expense_moves, require_approver

SHEET_STATES = [
    ("draft", "Draft"),
    ("submit", "Submitted"),
    ("approve", "Approved"),
    ("post", "Posted"),
    ("done", "Done"),
    ("cancel", "Refused"),
]
LINE_STATE = {  # sheet state -> expense state, per version family
    11: {"submit": "reported", "approve": "reported", "post": "done", "done": "done", "cancel": "refused"},
    16: {
        "draft": "reported",
        "submit": "reported",
        "approve": "approved",
        "post": "done",
        "done": "done",
        "cancel": "refused",
    },
    17: {
        "draft": "reported",
        "submit": "submitted",
        "approve": "approved",
        "post": "done",
        "done": "done",
        "cancel": "refused",
    },
}


class ExpenseSheet(Model):
    _name = "hr.expense.sheet"
    _description = "Expense Report"
    _order = "id desc"
    _company_field = "company_id"
    _until = 18
    FIELDS = {
        "name": F.char("Expense Report Summary", required=True),
        "employee_id": F.many2one("hr.employee", "Employee", required=True),
        "expense_line_ids": F.one2many("hr.expense", "sheet_id", "Expense Lines"),
        "company_id": F.many2one("res.company", "Company"),
        "currency_id": F.many2one("res.currency", "Currency"),
        "journal_id": F.many2one("account.journal", "Expense Journal"),
        "bank_journal_id": F.many2one("account.journal", "Bank Journal"),
        "accounting_date": F.date("Accounting Date"),
        "account_move_id": F.many2one("account.move", "Journal Entry", until=16),
        "account_move_ids": F.one2many("account.move", "expense_sheet_id", "Journal Entries", since=17),
        "user_id": F.many2one("res.users", "Manager", since=12),
        "responsible_id": F.many2one("res.users", "Validation By", until=11),
        "department_id": F.many2one("hr.department", "Department"),
        "approval_state": F.selection(
            "Approval State", [("submit", "Submitted"), ("approve", "Approved"), ("cancel", "Refused")], since=17
        ),
        "approval_date": F.datetime_("Approval Date", since=16),
        "payment_state": F.selection(
            "Payment Status",
            [
                ("not_paid", "Not Paid"),
                ("in_payment", "In Payment"),
                ("paid", "Paid"),
                ("partial", "Partially Paid"),
                ("reversed", "Reversed"),
                ("invoicing_legacy", "Invoicing App Legacy"),
                ("blocked", "Blocked"),
            ],
            since=16,
            compute=lambda env, r: ExpenseSheet.payment_state(env, r),
        ),
        "total_amount": F.monetary("Total Amount", compute=lambda env, r: ExpenseSheet.total(env, r)),
        "payment_mode": F.selection(
            "Paid By",
            [("own_account", "Employee (to reimburse)"), ("company_account", "Company")],
            compute=lambda env, r: ExpenseSheet.pay_mode(env, r),
        ),
    }

    def __init__(self, registry):
        super().__init__(registry)
        default = "submit" if self.version < 12 else "draft"
        self.fields["state"] = F.selection("Status", SHEET_STATES, default=default)
        self.fields["state"].name = "state"

    @staticmethod
    def lines(env, rec):
        table = env.store.table("hr.expense")
        return [table[i] for i in env.store.children("hr.expense", "sheet_id", rec["id"])]

    @staticmethod
    def total(env, rec):
        return round(sum(env["hr.expense"].amounts(env, e)[0] for e in ExpenseSheet.lines(env, rec)), 2)

    @staticmethod
    def pay_mode(env, rec):
        lines = ExpenseSheet.lines(env, rec)
        return lines[0].get("payment_mode") if lines else "own_account"

    @staticmethod
    def move_ids(env, rec):
        if env.version < 17:
            return [rec["account_move_id"]] if rec.get("account_move_id") else []
        return env.store.children("account.move", "expense_sheet_id", rec["id"])

    @staticmethod
    def payment_state(env, rec):
        states = [
            (env.store.get("account.move", m) or {}).get("payment_state") for m in ExpenseSheet.move_ids(env, rec)
        ]
        return states[0] if states and all(s == states[0] for s in states) else ("partial" if states else "not_paid")

    # -- ORM hooks -------------------------------------------------------------------------------------------
    def _hook_prepare_create(self, env, vals):
        if isinstance(vals, dict):
            employee = (
                env.store.get("hr.employee", vals.get("employee_id") or 0)
                if isinstance(vals.get("employee_id"), int)
                else None
            )
            if employee:
                vals.setdefault("company_id", employee["company_id"])
                vals.setdefault("department_id", employee.get("department_id") or False)
        vals = super()._hook_prepare_create(env, vals)
        if isinstance(vals, dict):
            company = env.store.get("res.company", vals.get("company_id")) or {}
            vals.setdefault("currency_id", company.get("currency_id"))
            vals.setdefault("journal_id", journal_by_code(env, vals.get("company_id"), "EXP"))
            if env.version < 12:
                vals.setdefault("bank_journal_id", journal_by_code(env, vals.get("company_id"), "CARD"))
        return vals

    def _hook_constraints(self, env, ids):
        for rid in ids:
            rec = self.rows(env)[rid]
            lines = self.lines(env, rec)
            if any(e["employee_id"] != rec["employee_id"] for e in lines):
                raise ValidationError(
                    "You cannot add expense lines of another employee."
                    if env.version < 12
                    else "You cannot add expenses of another employee."
                )
            if len({e.get("payment_mode") for e in lines}) > 1:
                raise ValidationError("You cannot report expenses with different payment modes.")
            self.sync_lines(env, rec)

    def sync_lines(self, env, rec):
        mapping = LINE_STATE[11 if env.version < 12 else 16 if env.version == 16 else 17]
        state = mapping.get(rec.get("state"))
        for line in self.lines(env, rec):
            if state and line.get("state") != state:
                env.store.update("hr.expense", line["id"], {"state": state})

    def _hook_before_unlink(self, env, ids):
        for rid in ids:
            if self.rows(env)[rid].get("state") in ("post", "done"):
                raise UserError("You cannot delete a posted or paid expense.")

    # -- workflow --------------------------------------------------------------------------------------------
    def transition(self, env, ids, allowed, state, error, **extra):
        ids = self.browse_checked(env, ids, "write")
        for rid in ids:
            rec = self.rows(env)[rid]
            if rec.get("state") not in allowed:
                raise UserError(error)
            env.store.update(self._name, rid, {"state": state, **extra})
            self.sync_lines(env, self.rows(env)[rid])
        return ids

    def submit(self, env, ids):
        for rid in self.browse_checked(env, ids, "write"):
            if not self.lines(env, self.rows(env)[rid]):
                raise UserError(
                    "You cannot submit an expense report without expenses."
                    if env.version >= 17
                    else "You cannot report an empty expense report."
                )
        extra = {"approval_state": "submit"} if env.version >= 17 else {}
        self.transition(env, ids, ("draft",), "submit", "Only draft expense reports can be submitted.", **extra)

    def approve(self, env, ids):
        require_approver(env)
        extra = {"responsible_id": env.uid} if env.version < 12 else {"user_id": env.uid}
        if env.version >= 17:
            extra["approval_state"] = "approve"
        allowed = ("submit",) if env.version < 12 else ("submit", "draft")
        ids = self.transition(env, ids, allowed, "approve", "You can only approve submitted expense reports.", **extra)
        if env.version >= 18:  # approval already creates the draft moves
            for rid in ids:
                self.create_moves(env, rid, post=False)

    def create_moves(self, env, rid, post=True):
        rec = self.rows(env)[rid]
        lines = [e["id"] for e in self.lines(env, rec)]
        if not lines:
            return []
        company_paid = self.pay_mode(env, rec) == "company_account"
        move_ids = post_expense_moves(env, lines, rec, paid=company_paid, post=post)
        if env.version < 17:
            env.store.update(self._name, rid, {"account_move_id": move_ids[0]})
        if not rec.get("accounting_date"):
            env.store.update(self._name, rid, {"accounting_date": env.store.get("account.move", move_ids[0])["date"]})
        return move_ids

    def move_create(self, env, ids):
        ids = self.browse_checked(env, ids, "write")
        for rid in ids:
            rec = self.rows(env)[rid]
            if rec.get("state") != "approve":
                raise UserError("You can only generate accounting entry for approved expense(s).")
            if not rec.get("journal_id"):
                raise UserError(
                    "Expenses must have an expense journal specified to generate accounting entries."
                    if env.version < 12
                    else "Specify expense journal to generate accounting entries."
                )
            self.create_moves(env, rid)
            state = "done" if self.pay_mode(env, rec) == "company_account" else "post"
            env.store.update(self._name, rid, {"state": state})
            self.sync_lines(env, self.rows(env)[rid])

    # -- public methods per version ----------------------------------------------------------------------------
    @public(since=16)
    def action_submit_sheet(self, env, ids):
        self.submit(env, ids)

    @public(until=16)
    def approve_expense_sheets(self, env, ids):
        self.approve(env, ids)

    @public(since=17)
    def action_approve_expense_sheets(self, env, ids):
        self.approve(env, ids)

    @public(until=17)
    def action_sheet_move_create(self, env, ids):
        self.move_create(env, ids)
        return True if env.version < 12 else None

    @public(since=18)
    def action_sheet_move_post(self, env, ids):
        ids = self.browse_checked(env, ids, "write")
        for rid in ids:
            rec = self.rows(env)[rid]
            if rec.get("state") != "approve":
                raise UserError("You can only generate accounting entry for approved expense(s).")
            moves = [m for m in self.move_ids(env, rec) if env.store.get("account.move", m)["state"] == "draft"]
            if not moves:
                moves = self.create_moves(env, rid, post=False)
            env["account.move"].post_moves(env.sudo(), moves, redate=True)
            company_paid = self.pay_mode(env, rec) == "company_account"
            if company_paid:
                for move in moves:
                    env.store.update("account.move", move, {"payment_state": "paid"})
            env.store.update(self._name, rid, {"state": "done" if company_paid else "post"})
            self.sync_lines(env, self.rows(env)[rid])

    @public(until=16)
    def refuse_sheet(self, env, ids, reason):
        require_approver(env)
        self.transition(
            env, ids, ("draft", "submit", "approve"), "cancel", "You cannot refuse a posted expense report."
        )

    @public(since=17)
    def action_refuse_expense_sheets(self, env, ids):
        require_approver(env)
        return {
            "type": "ir.actions.act_window",
            "res_model": "hr.expense.refuse.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"hr_expense_refuse_model": "hr.expense.sheet", "default_sheet_ids": ids},
        }

    @public(until=16)
    def reset_expense_sheets(self, env, ids):
        target = "submit" if env.version < 12 else "draft"
        self.transition(
            env, ids, ("submit", "approve", "cancel", "draft"), target, "You cannot reset a posted expense report."
        )
        return True

    @public(since=17)
    def action_reset_approval_expense_sheets(self, env, ids):
        self.transition(
            env,
            ids,
            ("submit", "approve", "cancel"),
            "draft",
            "You cannot reset a posted expense report.",
            approval_state=False,
        )

    @public(until=11)
    def paid_expense_sheets(self, env, ids):
        self.transition(env, ids, ("post",), "done", "Only posted expense reports can be paid.")


class ExpensePostWizard(Model):
    """19: posting employee-paid expenses goes through this wizard; it reads context['active_ids']."""

    _name = "hr.expense.post.wizard"
    _description = "Create Journal Entry from Expense"
    _since = 19
    FIELDS = {
        "accounting_date": F.date("Accounting Date"),
        "company_id": F.many2one("res.company", "Company"),
    }

    @public()
    def action_post_entry(self, env, ids):
        expense_ids = [int(i) for i in env.context.get("active_ids") or []]
        if not expense_ids:
            raise UserError("You need to select at least one expense.")
        wizard = self.rows(env).get(ids[0]) if ids else {}
        expenses = env["hr.expense"].browse_checked(env, expense_ids, "write")
        for rid in expenses:
            if env.store.get("hr.expense", rid).get("state") != "approved":
                raise UserError("You can only post approved expenses.")
        by_employee = {}
        for rid in expenses:
            by_employee.setdefault(env.store.get("hr.expense", rid)["employee_id"], []).append(rid)
        moves = []
        for group in by_employee.values():
            moves += post_expense_moves(env, group, None, date=(wizard or {}).get("accounting_date"))
        return {"type": "ir.actions.act_window_close"} if moves else False
