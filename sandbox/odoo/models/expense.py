"""Expense categories (product.product), projects, hr.expense and hr.expense.sheet per version.

Workflows (see README "Expense flow per version"):
- 11: sheet created in `submit`; approve_expense_sheets (returns None); action_sheet_move_create (posts).
- 16: sheet `draft`; action_submit_sheet (None); approve_expense_sheets (None); action_sheet_move_create.
- 17: action_submit_sheet, action_approve_expense_sheets, action_sheet_move_create (all None).
- 18: approval creates draft moves; action_sheet_move_post posts them (None).
- 19: no sheet; hr.expense action_submit / action_approve / action_post (+ hr.expense.post.wizard).
"""

from __future__ import annotations

import datetime

from .. import fields as F
from ..errors import UserError
from ..orm import Model, public
from .base import current_rate
from .expense_moves import post_expense_moves, require_approver

PAY_MODES = [("own_account", "Employee (to reimburse)"), ("company_account", "Company")]
EXPENSE_STATES = {
    11: [("draft", "To Submit"), ("reported", "Reported"), ("done", "Posted"), ("refused", "Refused")],
    16: [
        ("draft", "To Submit"),
        ("reported", "Submitted"),
        ("approved", "Approved"),
        ("done", "Paid"),
        ("refused", "Refused"),
    ],
    17: [
        ("draft", "To Report"),
        ("reported", "To Submit"),
        ("submitted", "Submitted"),
        ("approved", "Approved"),
        ("done", "Done"),
        ("refused", "Refused"),
    ],
    19: [
        ("draft", "Draft"),
        ("submitted", "Submitted"),
        ("approved", "Approved"),
        ("posted", "Posted"),
        ("in_payment", "In Payment"),
        ("paid", "Paid"),
        ("refused", "Refused"),
    ],
}
SHEET_STATES = [
    ("draft", "Draft"),
    ("submit", "Submitted"),
    ("approve", "Approved"),
    ("post", "Posted"),
    ("done", "Done"),
    ("cancel", "Refused"),
]


def _states(version):
    return EXPENSE_STATES[max(v for v in EXPENSE_STATES if v <= version)]


class ProductCategory(Model):
    _name = "product.category"
    _description = "Product Category"
    _rec_name = "complete_name"
    _parent_field = "parent_id"
    _acl = dict.fromkeys(("write", "create", "unlink"), ("base.group_system", "account.group_account_manager"))
    FIELDS = {
        "name": F.char("Name", required=True),
        "parent_id": F.many2one("product.category", "Parent Category"),
        "complete_name": F.char("Complete Name", compute=lambda env, r: ProductCategory.path(env, r)),
        "property_account_expense_categ_id": F.many2one(
            "account.account",
            "Expense Account",
            compute=lambda env, r: (r.get("expense_accounts") or {}).get(str(env.company), False),
        ),
    }

    @staticmethod
    def path(env, rec):
        parent = env.store.get("product.category", rec.get("parent_id") or 0)
        return f"{ProductCategory.path(env, parent)} / {rec['name']}" if parent else rec.get("name")


class Product(Model):
    _name = "product.product"
    _description = "Product"
    _company_field = "company_id"
    _acl = dict.fromkeys(("write", "create", "unlink"), ("base.group_system", "account.group_account_manager"))
    FIELDS = {
        "name": F.char("Name", required=True),
        "default_code": F.char("Internal Reference"),
        "can_be_expensed": F.boolean("Can be Expensed", default=False),
        "categ_id": F.many2one("product.category", "Product Category", default=1),
        "standard_price": F.floatf("Cost", default=0.0),
        "list_price": F.floatf("Sales Price", default=0.0),
        "type": F.selection(
            "Product Type",
            [("consu", "Consumable"), ("service", "Service"), ("product", "Storable")],
            default="service",
        ),
        "active": F.boolean("Active", default=True),
        "company_id": F.many2one("res.company", "Company"),
        "property_account_expense_id": F.many2one(
            "account.account",
            "Expense Account",
            compute=lambda env, r: (r.get("expense_accounts") or {}).get(str(env.company), False),
        ),
        "supplier_taxes_id": F.many2many(
            "account.tax",
            "Vendor Taxes",
            compute=lambda env, r: [
                t
                for t in r.get("taxes", [])
                if (env.store.get("account.tax", t) or {}).get("company_id") == env.company
            ],
        ),
    }

    def display_name(self, env, rec):
        code = rec.get("default_code")
        return f"[{code}] {rec.get('name')}" if code else rec.get("name") or ""

    def _hook_prepare_create(self, env, vals):
        return vals  # products are shared by all companies

    def convert_vals(self, env, vals):
        account = vals.pop("property_account_expense_id", None) if isinstance(vals, dict) else None
        stored, commands = super().convert_vals(env, vals)
        if account is not None:
            self._pending_account = F.convert(env, self, self.fields["property_account_expense_id"], account)
        return stored, commands

    def _hook_after_create(self, env, rid, vals):
        self._store_account(env, [rid])

    def _hook_after_write(self, env, ids, stored, commands):
        self._store_account(env, ids)

    def _store_account(self, env, ids):
        account = self.__dict__.pop("_pending_account", None)
        if account is None:
            return
        for rid in ids:
            accounts = dict(self.rows(env)[rid].get("expense_accounts") or {})
            accounts[str(env.company)] = account
            env.store.update(self._name, rid, {"expense_accounts": accounts})


class Project(Model):
    _name = "project.project"
    _description = "Project"
    _company_field = "company_id"
    _acl = dict.fromkeys(("write", "create", "unlink"), ("project.group_project_manager",))
    FIELDS = {
        "name": F.char("Name", required=True),
        "active": F.boolean("Active", default=True),
        "company_id": F.many2one("res.company", "Company"),
        "partner_id": F.many2one("res.partner", "Customer"),
        "analytic_account_id": F.many2one("account.analytic.account", "Analytic Account", until=17),
        "account_id": F.many2one("account.analytic.account", "Analytic Account", since=18),
    }


def _tax_rate(env, tax_ids) -> float:
    return sum((env.store.get("account.tax", t) or {}).get("amount", 0.0) for t in tax_ids or []) / 100.0


class Expense(Model):
    _name = "hr.expense"
    _description = "Expense"
    _order = "date desc, id desc"
    _company_field = "company_id"
    FIELDS = {
        "name": F.char("Description", required=True),
        "date": F.date("Expense Date", default=lambda env: datetime.date.today().isoformat()),
        "employee_id": F.many2one("hr.employee", "Employee", required=True),
        "product_id": F.many2one("product.product", "Category", required=True, until=16),
        "product_id@17": F.many2one("product.product", "Category", since=17),
        "quantity": F.floatf("Quantity", default=1.0),
        "currency_id": F.many2one("res.currency", "Currency"),
        "company_id": F.many2one("res.company", "Company"),
        "tax_ids": F.many2many("account.tax", "Taxes"),
        "account_id": F.many2one("account.account", "Account"),
        "description": F.text("Notes"),
        "payment_mode": F.selection("Paid By", PAY_MODES, default="own_account"),
        "reference": F.char("Bill Reference", until=16),
        "sheet_id": F.many2one("hr.expense.sheet", "Expense Report", until=18),
        "is_refused": F.boolean("Refused", default=False, until=18),
        "unit_amount": F.floatf("Unit Price", until=16),
        "price_unit": F.floatf("Unit Price", since=17),
        "untaxed_amount": F.monetary("Subtotal", until=11),
        "total_amount": F.monetary("Total", until=16),
        "total_amount_company": F.monetary("Total", since=16, until=16),
        "amount_tax": F.monetary("Tax amount", since=16, until=16),
        "amount_tax_company": F.monetary("Tax amount", since=16, until=16),
        "total_amount_currency": F.monetary("Total", since=17),
        "total_amount@17": F.monetary("Total", since=17),
        "tax_amount_currency": F.monetary("Tax amount in Currency", since=17),
        "tax_amount": F.monetary("Tax amount", since=17),
        "untaxed_amount@19": F.monetary("Total Untaxed Amount In Currency", since=19),
        "analytic_account_id": F.many2one("account.analytic.account", "Analytic Account", until=15),
        "analytic_distribution": F.jsonf("Analytic Distribution", since=16),
        "account_move_id": F.many2one("account.move", "Journal Entry", since=19),
        "approval_state": F.selection(
            "Approval State", [("submitted", "Submitted"), ("approved", "Approved"), ("refused", "Refused")], since=19
        ),
        "former_sheet_id": F.integer("Former Report", since=19),
    }

    def __init__(self, registry):
        super().__init__(registry)
        self.fields["state"] = F.selection("Status", _states(self.version), default="draft")
        self.fields["state"].name = "state"

    def _hook_prepare_create(self, env, vals):
        if isinstance(vals, dict):
            employee = (
                env.store.get("hr.employee", vals.get("employee_id") or 0)
                if isinstance(vals.get("employee_id"), int)
                else None
            )
            if employee:
                vals.setdefault("company_id", employee["company_id"])
        vals = super()._hook_prepare_create(env, vals)
        if isinstance(vals, dict):
            company = env.store.get("res.company", vals.get("company_id") or env.company) or {}
            vals.setdefault("currency_id", company.get("currency_id"))
            product = env.store.get("product.product", vals.get("product_id") or 0)
            if product and "account_id" not in vals:
                account = (product.get("expense_accounts") or {}).get(str(vals.get("company_id")))
                if account:
                    vals["account_id"] = account
        return vals

    def _hook_after_create(self, env, rid, vals):
        self.compute_amounts(env, [rid])

    def _hook_before_write(self, env, ids, stored, commands):
        for rid in ids:
            state = self.rows(env)[rid].get("state")
            if state in ("done", "posted", "paid", "in_payment") and set(stored) & {
                "unit_amount",
                "price_unit",
                "quantity",
                "total_amount_currency",
                "account_id",
            }:
                raise UserError("You cannot modify a posted or paid expense.")

    def _hook_after_write(self, env, ids, stored, commands):
        self.compute_amounts(env, ids)

    def _hook_before_unlink(self, env, ids):
        for rid in ids:
            state = self.rows(env)[rid].get("state")
            if state in ("done", "posted", "paid", "in_payment"):
                raise UserError(
                    "You cannot delete a posted or paid expense."
                    if env.version >= 16
                    else "You cannot delete a posted expense."
                )

    def compute_amounts(self, env, ids):
        """Totals in expense and company currency; 17+ amounts are tax-included, 11/16 taxes come on top."""
        for rid in ids:
            rec = self.rows(env)[rid]
            qty = rec.get("quantity") or 0.0
            rate = _tax_rate(env, rec.get("tax_ids"))
            company = env.store.get("res.company", rec.get("company_id")) or {}
            fx = 1.0
            if rec.get("currency_id") and rec.get("currency_id") != company.get("currency_id"):
                fx = 1.0 / (current_rate(env, rec["currency_id"], rec.get("date")) or 1.0)
            values = {}
            if env.version < 17:
                untaxed = round((rec.get("unit_amount") or 0.0) * qty, 2)
                total = round(untaxed * (1 + rate), 2)
                values.update(total_amount=total)
                if env.version < 12:
                    values["untaxed_amount"] = untaxed
                else:
                    values.update(
                        total_amount_company=round(total * fx, 2),
                        amount_tax=round(total - untaxed, 2),
                        amount_tax_company=round((total - untaxed) * fx, 2),
                    )
            else:
                total = rec.get("total_amount_currency") or 0.0
                if rec.get("price_unit"):
                    total = round(rec["price_unit"] * qty, 2)
                tax = round(total - total / (1 + rate), 2)
                values.update(
                    total_amount_currency=total,
                    total_amount=round(total * fx, 2),
                    tax_amount_currency=tax,
                    tax_amount=round(tax * fx, 2),
                )
                if env.version >= 19:
                    values["untaxed_amount"] = round(total - tax, 2)
            env.store.update(self._name, rid, values)

    def amounts(self, env, rec) -> tuple[float, float]:
        """(total, tax) in company currency."""
        if env.version < 12:
            return rec.get("total_amount") or 0.0, (rec.get("total_amount") or 0.0) - (rec.get("untaxed_amount") or 0.0)
        if env.version < 17:
            return rec.get("total_amount_company") or 0.0, rec.get("amount_tax_company") or 0.0
        return rec.get("total_amount") or 0.0, rec.get("tax_amount") or 0.0

    # -- 19: the expense itself carries the workflow ---------------------------------------------------------
    def _set_state(self, env, ids, allowed, state, approval=None):
        ids = self.browse_checked(env, ids, "write")
        for rid in ids:
            if self.rows(env)[rid].get("state") not in allowed:
                raise UserError("You cannot do this action on an expense in this state.")
            values = {"state": state}
            if approval:
                values["approval_state"] = approval
            env.store.update(self._name, rid, values)
        return ids

    @public(since=19)
    def action_submit(self, env, ids):
        self._set_state(env, ids, ("draft",), "submitted", "submitted")

    @public(since=19)
    def action_approve(self, env, ids):
        require_approver(env)
        self._set_state(env, ids, ("submitted",), "approved", "approved")

    @public(since=19)
    def action_refuse(self, env, ids):
        require_approver(env)
        return {
            "type": "ir.actions.act_window",
            "res_model": "hr.expense.refuse.wizard",
            "view_mode": "form",
            "target": "new",
        }

    @public(since=19)
    def action_reset(self, env, ids):
        self._set_state(env, ids, ("submitted", "approved", "refused"), "draft")
        for rid in ids:
            env.store.update(self._name, rid, {"approval_state": False})

    @public(since=19)
    def action_post(self, env, ids):
        ids = self.browse_checked(env, ids, "write")
        own = [i for i in ids if self.rows(env)[i].get("payment_mode") == "own_account"]
        company = [i for i in ids if i not in own]
        for rid in company:
            post_expense_moves(env, [rid], None, paid=True)
        if own:
            return {
                "type": "ir.actions.act_window",
                "name": "Create Report",
                "res_model": "hr.expense.post.wizard",
                "view_mode": "form",
                "target": "new",
                "context": {"active_model": "hr.expense", "active_ids": own},
            }
        return None


from .sheet import ExpensePostWizard, ExpenseSheet  # noqa: E402

EXPENSE_MODELS = [ProductCategory, Product, Project, Expense, ExpenseSheet, ExpensePostWizard]
