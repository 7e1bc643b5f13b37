"""Taxes and their repartition lines (how a tax amount is split among accounts, 13+), per version."""

from __future__ import annotations

from .. import fields as F
from ..orm import Model

REPARTITION = "account.tax.repartition.line"
ADVISER = dict.fromkeys(("write", "create", "unlink"), ("account.group_account_manager",))


class Tax(Model):
    _name = "account.tax"
    _description = "Tax"
    _order = "sequence, id"
    _company_field = "company_id"
    _acl = ADVISER
    FIELDS = {
        "name": F.char("Tax Name", required=True),
        "description": F.char("Label on Invoices", until=17),
        "invoice_label": F.char("Label on Invoices", since=18),
        "amount": F.floatf("Amount", default=0.0),
        "amount_type": F.selection(
            "Tax Computation",
            [
                ("group", "Group of Taxes"),
                ("fixed", "Fixed"),
                ("percent", "Percentage of Price"),
                ("division", "Percentage of Price Tax Included"),
            ],
            default="percent",
        ),
        "type_tax_use": F.selection(
            "Tax Type", [("sale", "Sales"), ("purchase", "Purchases"), ("none", "None")], default="sale"
        ),
        "price_include": F.boolean("Included in Price", default=False, until=17),
        "price_include_override": F.selection(
            "Included in Price",
            [("tax_included", "Tax Included"), ("tax_excluded", "Tax Excluded")],
            since=18,
        ),
        "company_id": F.many2one("res.company", "Company", required=True),
        "account_id": F.many2one("account.account", "Tax Account", until=13),
        "active": F.boolean("Active", default=True),
        "sequence": F.integer("Sequence", default=1),
        "analytic": F.boolean("Include in Analytic Cost", default=False),
        # 13–16: one list per document type, linked by invoice_tax_id / refund_tax_id
        "invoice_repartition_line_ids": F.one2many(
            REPARTITION, "invoice_tax_id", "Distribution for Invoices", since=13, until=16
        ),
        "refund_repartition_line_ids": F.one2many(
            REPARTITION, "refund_tax_id", "Distribution for Refund Invoices", since=13, until=16
        ),
        # 17+: one list (tax_id + document_type); the per-document lists are its filtered views
        "repartition_line_ids": F.one2many(REPARTITION, "tax_id", "Distribution", since=17),
        "invoice_repartition_line_ids@17": F.one2many(
            REPARTITION,
            "tax_id",
            "Distribution for Invoices",
            since=17,
            compute=lambda env, r: repartition_ids(env, r["id"], False),
        ),
        "refund_repartition_line_ids@17": F.one2many(
            REPARTITION,
            "tax_id",
            "Distribution for Refund Invoices",
            since=17,
            compute=lambda env, r: repartition_ids(env, r["id"], True),
        ),
    }

    def convert_vals(self, env, vals):
        """17+: commands on the per-document lists go to `repartition_line_ids` with their document type."""
        if isinstance(vals, dict) and self.version >= 17:
            vals = dict(vals)
            for name, kind in (("invoice_repartition_line_ids", "invoice"), ("refund_repartition_line_ids", "refund")):
                for command in vals.pop(name, None) or []:
                    if isinstance(command, list | tuple) and command and command[0] == 0:
                        command = (0, 0, {**command[2], "document_type": kind})
                    vals.setdefault("repartition_line_ids", []).append(command)
        return super().convert_vals(env, vals)

    def _hook_after_create(self, env, rid, vals):
        """Like Odoo's defaults: a tax created without a distribution gets base + tax lines (no account)."""
        if self.version >= 13 and not repartition_lines(env, rid, False):
            tax = self.rows(env)[rid]
            for refund in (False, True):
                for kind in ("base", "tax"):
                    env.store.insert(REPARTITION, repartition_vals(self.version, rid, tax["company_id"], refund, kind))


def repartition_vals(version, tax_id, company_id, refund, kind, account_id=False) -> dict:
    """Values of one stored repartition line in the version's shape (16: invoice_/refund_tax_id; 17+: tax_id)."""
    link = (
        {"tax_id": tax_id, "document_type": "refund" if refund else "invoice"}
        if version >= 17
        else {"refund_tax_id" if refund else "invoice_tax_id": tax_id}
    )
    return {
        "factor_percent": 100.0,
        "repartition_type": kind,
        "account_id": account_id if kind == "tax" else False,
        "company_id": company_id,
        "sequence": 1,
        "use_in_tax_closing": kind == "tax",
        **link,
    }


def repartition_lines(env, tax_id, refund) -> list[dict]:
    """The tax's repartition lines (base and tax) for invoices or refunds, in sequence order."""
    rows = env.store.table(REPARTITION).values()
    if env.version >= 17:
        kind = "refund" if refund else "invoice"
        found = [r for r in rows if r.get("tax_id") == tax_id and r.get("document_type") == kind]
    else:
        found = [r for r in rows if r.get("refund_tax_id" if refund else "invoice_tax_id") == tax_id]
    return sorted(found, key=lambda r: (r.get("sequence") or 0, r["id"]))


def repartition_ids(env, tax_id, refund) -> list[int]:
    return [r["id"] for r in repartition_lines(env, tax_id, refund)]


class TaxRepartitionLine(Model):
    """How a tax's amount is split among accounts (13+): one `base` and one or more `tax` lines per document type."""

    _name = REPARTITION
    _description = "Tax Repartition Line"
    _order = "sequence, repartition_type, id"
    _since = 13
    _company_field = "company_id"
    _acl = ADVISER
    FIELDS = {
        "factor_percent": F.floatf("%", default=100.0),
        "factor": F.floatf("Factor Ratio", compute=lambda env, r: (r.get("factor_percent") or 0.0) / 100.0),
        "repartition_type": F.selection(
            "Based On", [("base", "Base"), ("tax", "of tax")], default="tax", required=True
        ),
        "account_id": F.many2one("account.account", "Account"),
        "invoice_tax_id": F.many2one("account.tax", "Invoice Tax", until=16),
        "refund_tax_id": F.many2one("account.tax", "Refund Tax", until=16),
        "tax_id": F.many2one(
            "account.tax", "Tax", until=16, compute=lambda env, r: r.get("invoice_tax_id") or r.get("refund_tax_id")
        ),
        "tax_id@17": F.many2one("account.tax", "Tax", since=17),
        "document_type": F.selection("Document Type", [("invoice", "Invoice"), ("refund", "Refund")], since=17),
        "company_id": F.many2one("res.company", "Company"),
        "sequence": F.integer("Sequence", default=1),
        "use_in_tax_closing": F.boolean("Tax Closing Entry", default=True),
    }

    def display_name(self, env, rec):
        tax = env.store.get(
            "account.tax", rec.get("tax_id") or rec.get("invoice_tax_id") or rec.get("refund_tax_id") or 0
        )
        return f"{(tax or {}).get('name', '')} ({rec.get('repartition_type')})"
