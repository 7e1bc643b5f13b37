"""Accounting master data: accounts, journals, taxes, analytics (fields per version)."""

from __future__ import annotations

from .. import fields as F
from ..errors import RedirectWarning, UserError, ValidationError
from ..orm import Model
from .move_lines import MoveLine
from .moves import Move
from .taxes import Tax, TaxRepartitionLine

ADVISER = dict.fromkeys(("write", "create", "unlink"), ("account.group_account_manager",))
ACCOUNT_TYPES = [
    ("asset_receivable", "Receivable"),
    ("asset_cash", "Bank and Cash"),
    ("asset_current", "Current Assets"),
    ("liability_payable", "Payable"),
    ("liability_credit_card", "Credit Card"),
    ("liability_current", "Current Liabilities"),
    ("income", "Income"),
    ("expense", "Expenses"),
    ("expense_direct_cost", "Cost of Revenue"),
    ("equity", "Equity"),
]
INTERNAL_TYPES = [
    ("other", "Regular"),
    ("receivable", "Receivable"),
    ("payable", "Payable"),
    ("liquidity", "Liquidity"),
]


class AccountType(Model):
    _name = "account.account.type"
    _description = "Account Type"
    _until = 15
    _acl = ADVISER
    FIELDS = {
        "name": F.char("Account Type", required=True),
        "type": F.selection("Type", INTERNAL_TYPES, default="other"),
        "internal_group": F.char("Internal Group"),
    }


class Account(Model):
    _name = "account.account"
    _description = "Account"
    _order = "code"
    _acl = ADVISER

    FIELDS = {
        "name": F.char("Account Name", required=True),
        "code": F.char("Code", required=True),
        "company_id": F.many2one("res.company", "Company", required=True, until=17),
        "company_ids": F.many2many("res.company", "Companies", since=18),
        "account_type": F.selection("Type", ACCOUNT_TYPES, since=16, required=True),
        "user_type_id": F.many2one("account.account.type", "Type", until=15, required=True),
        "internal_type": F.selection(
            "Internal Type",
            INTERNAL_TYPES,
            until=15,
            compute=lambda env, r: (env.store.get("account.account.type", r.get("user_type_id") or 0) or {}).get(
                "type", "other"
            ),
        ),
        "reconcile": F.boolean("Allow Reconciliation", default=False),
        "deprecated": F.boolean("Deprecated", default=False, until=18),
        "active": F.boolean("Active", default=True, since=19),
        "currency_id": F.many2one("res.currency", "Account Currency"),
        "tax_ids": F.many2many("account.tax", "Default Taxes"),
    }

    def __init__(self, registry):
        super().__init__(registry)
        self._company_field = "company_ids" if self.version >= 18 else "company_id"

    def display_name(self, env, rec):
        return f"{rec.get('code')} {rec.get('name')}"

    def _hook_prepare_create(self, env, vals):
        if isinstance(vals, dict) and self.version >= 18:
            vals.setdefault("company_ids", [(6, 0, [env.company])])
            return vals
        return super()._hook_prepare_create(env, vals)

    def _hook_constraints(self, env, ids):
        field = self._company_field
        table = self.rows(env)
        for rid in ids:
            rec = table[rid]
            companies = rec.get(field) if isinstance(rec.get(field), list) else [rec.get(field)]
            for other in table.values():
                others = other.get(field) if isinstance(other.get(field), list) else [other.get(field)]
                if other["id"] != rid and other["code"] == rec["code"] and set(companies) & set(others):
                    raise ValidationError("The code of the account must be unique per company !")


class Journal(Model):
    _name = "account.journal"
    _description = "Journal"
    _order = "sequence, type, code"
    _company_field = "company_id"
    _acl = ADVISER
    FIELDS = {
        "name": F.char("Journal Name", required=True),
        "code": F.char("Short Code", required=True),
        "type": F.selection(
            "Type",
            [
                ("sale", "Sales"),
                ("purchase", "Purchase"),
                ("cash", "Cash"),
                ("bank", "Bank"),
                ("general", "Miscellaneous"),
            ],
            required=True,
            until=17,
        ),
        "type@18": F.selection(
            "Type",
            [
                ("sale", "Sales"),
                ("purchase", "Purchase"),
                ("cash", "Cash"),
                ("bank", "Bank"),
                ("credit", "Credit Card"),
                ("general", "Miscellaneous"),
            ],
            required=True,
            since=18,
        ),
        "sequence": F.integer("Sequence", default=10),
        "company_id": F.many2one("res.company", "Company", required=True),
        "currency_id": F.many2one("res.currency", "Currency"),
        "active": F.boolean("Active", default=True),
        "default_account_id": F.many2one("account.account", "Default Account", since=14),
        "default_debit_account_id": F.many2one("account.account", "Default Debit Account", until=13),
        "default_credit_account_id": F.many2one("account.account", "Default Credit Account", until=13),
        "update_posted": F.boolean("Allow Cancelling Entries", default=False, until=12),
        "restrict_mode_hash_table": F.boolean("Lock Posted Entries with Hash", default=False, since=13),
    }

    def display_name(self, env, rec):
        return rec.get("name") or ""


class AnalyticPlan(Model):
    _name = "account.analytic.plan"
    _description = "Analytic Plans"
    _since = 16
    _company_field = "company_id"
    _acl = ADVISER
    FIELDS = {
        "name": F.char("Name", required=True),
        "parent_id": F.many2one("account.analytic.plan", "Parent"),
        "company_id": F.many2one("res.company", "Company", until=17),
        "default_applicability": F.selection(
            "Default Applicability",
            [("optional", "Optional"), ("mandatory", "Mandatory"), ("unavailable", "Unavailable")],
            default="optional",
        ),
    }

    def _hook_prepare_create(self, env, vals):
        return vals


class AnalyticAccount(Model):
    _name = "account.analytic.account"
    _description = "Analytic Account"
    _order = "code, name"
    _company_field = "company_id"
    _acl = ADVISER
    FIELDS = {
        "name": F.char("Analytic Account", required=True),
        "code": F.char("Reference"),
        "active": F.boolean("Active", default=True),
        "company_id": F.many2one("res.company", "Company"),
        "partner_id": F.many2one("res.partner", "Customer"),
        "plan_id": F.many2one("account.analytic.plan", "Plan", since=16, required=True),
    }

    def _hook_prepare_create(self, env, vals):
        if isinstance(vals, dict) and self.version >= 16 and "plan_id" not in vals:
            plans = sorted(env.store.table("account.analytic.plan"))
            if plans:
                vals["plan_id"] = plans[0]
        return vals

    def display_name(self, env, rec):
        code = rec.get("code")
        return f"[{code}] {rec.get('name')}" if code else rec.get("name") or ""


def check_lock_date_change(env, company_ids, stored):
    """Odoo refuses to lock a period that still holds draft entries; 18+'s hard lock only moves forward."""
    if "hard_lock_date" in stored and env.version >= 18:
        for cid in company_ids:
            old = (env.store.get("res.company", cid) or {}).get("hard_lock_date")
            if old and (not stored["hard_lock_date"] or stored["hard_lock_date"] < old):
                raise UserError("The Hard Lock Date cannot be decreased or removed.")
    for name in ("fiscalyear_lock_date", "hard_lock_date"):
        lock = stored.get(name)
        if not lock:
            continue
        drafts = [
            m
            for m in env.store.table("account.move").values()
            if m.get("company_id") in company_ids and m.get("state") == "draft" and m.get("date", "") <= lock
        ]
        if drafts:
            text = (
                "There are still unposted entries in the period you want to lock. "
                "You should either post or delete them."
            )
            raise ValidationError(text) if env.version < 12 else RedirectWarning(text)


ACCOUNT_MODELS = [AccountType, Account, Journal, Tax, TaxRepartitionLine, AnalyticPlan, AnalyticAccount, Move, MoveLine]
