"""account.move.line: balance per line, posted-entry guards, and (13+) the tax repartition of tax lines."""

from __future__ import annotations

from .. import fields as F
from ..errors import UserError, ValidationError
from ..orm import Model
from . import move_taxes
from .moves import BILLING

DISPLAY_TYPES = [
    ("product", "Product"),
    ("cogs", "Cost of Goods Sold"),
    ("tax", "Tax"),
    ("rounding", "Rounding"),
    ("payment_term", "Payment Term"),
    ("line_section", "Section"),
    ("line_note", "Note"),
    ("epd", "Early Payment Discount"),
]


class MoveLine(Model):
    _name = "account.move.line"
    _description = "Journal Item"
    _order = "date desc, move_name desc, id"
    _company_field = "company_id"
    _acl = BILLING

    def _move(env, r, key):
        return (env.store.get("account.move", r.get("move_id")) or {}).get(key) or False

    FIELDS = {
        "move_id": F.many2one("account.move", "Journal Entry", required=True),
        "account_id": F.many2one("account.account", "Account", required=True),
        "partner_id": F.many2one("res.partner", "Partner"),
        "name": F.char("Label"),
        "debit": F.monetary("Debit", default=0.0),
        "credit": F.monetary("Credit", default=0.0),
        "balance": F.monetary("Balance", since=13, default=0.0),
        "amount_currency": F.monetary("Amount in Currency", default=0.0),
        "currency_id": F.many2one("res.currency", "Currency"),
        "analytic_account_id": F.many2one("account.analytic.account", "Analytic Account", until=15),
        "analytic_distribution": F.jsonf("Analytic Distribution", since=16),
        "tax_ids": F.many2many("account.tax", "Taxes"),
        "tax_line_id": F.many2one("account.tax", "Originator Tax"),
        "tax_repartition_line_id": F.many2one(
            "account.tax.repartition.line", "Originator Tax Distribution Line", since=13
        ),
        "tax_base_amount": F.monetary("Base Amount", since=13, default=0.0),
        "display_type": F.selection("Display Type", DISPLAY_TYPES, since=16, default="product"),
        "company_id": F.many2one("res.company", "Company"),
        "date": F.date("Date", compute=lambda env, r: MoveLine._move(env, r, "date")),
        "journal_id": F.many2one(
            "account.journal", "Journal", compute=lambda env, r: MoveLine._move(env, r, "journal_id")
        ),
        "move_name": F.char("Number", compute=lambda env, r: MoveLine._move(env, r, "name")),
        "parent_state": F.char("Status", since=13, compute=lambda env, r: MoveLine._move(env, r, "state")),
        "ref": F.char("Reference", compute=lambda env, r: MoveLine._move(env, r, "ref")),
    }

    def _hook_prepare_create(self, env, vals):
        if not isinstance(vals, dict):
            return vals
        move = env.store.get("account.move", vals.get("move_id") or 0)
        if move:
            vals["company_id"] = move["company_id"]
            self._snapshot(env, [move["id"]])
        if env.version >= 13 and "balance" in vals and "debit" not in vals and "credit" not in vals:
            balance = float(vals["balance"] or 0.0)
            vals["debit"], vals["credit"] = max(balance, 0.0), max(-balance, 0.0)
        if env.version >= 13 and vals.get("tax_repartition_line_id"):
            vals["tax_line_id"] = self._originator(env, vals["tax_repartition_line_id"])
        if env.version >= 16 and "display_type" not in vals:
            vals["display_type"] = "tax" if vals.get("tax_repartition_line_id") else "product"
        return vals

    @staticmethod
    def _originator(env, repartition_line_id):
        """13+: tax_line_id is the related (stored) tax of the repartition line."""
        rep = env.store.get("account.tax.repartition.line", repartition_line_id) or {}
        return rep.get("tax_id") or rep.get("invoice_tax_id") or rep.get("refund_tax_id") or False

    def _snapshot(self, env, move_ids):
        """16+: a move's tax needs before one of its lines is created or written on its own (not via the move)."""
        if env.version >= 16 and env.context.get("check_move_validity", True):
            snapshots = env.__dict__.setdefault("tax_snapshots", {})
            for mid in move_ids:
                snapshots.setdefault(mid, move_taxes.snapshot(env, mid))

    def _sync_balance(self, env, ids):
        for rid in ids:
            line = self.rows(env)[rid]
            debit, credit = line.get("debit") or 0.0, line.get("credit") or 0.0
            if (debit and credit) or debit < 0 or credit < 0:
                raise ValidationError("Wrong credit or debit value in accounting entry !")
            if env.version >= 13:
                env.store.update(self._name, rid, {"balance": round(debit - credit, 2)})

    def _hook_constraints(self, env, ids):
        self._sync_balance(env, ids)
        if env.context.get("check_move_validity", True):
            moves = sorted({self.rows(env)[i]["move_id"] for i in ids})
            snapshots = getattr(env, "tax_snapshots", {})
            for mid in moves:
                move_taxes.sync(env, mid, snapshots.get(mid))
            env["account.move"].check_balanced(env, moves)

    def _guard(self, env, ids, stored, commands):
        moves = sorted({self.rows(env)[i]["move_id"] for i in ids})
        changes = {"line_ids"} if set(stored) - {"write_date", "write_uid", "name"} or commands else set()
        if env.version >= 13 and "tax_ids" in commands:
            for mid in moves:
                if (env.store.get("account.move", mid) or {}).get("state") == "posted":
                    raise UserError(
                        "You cannot modify the taxes related to a posted journal item, you should reset the journal "
                        "entry to draft to do so."
                    )
        if changes and env.context.get("check_move_validity", True):
            env["account.move"].check_modifiable(env, moves, changes)

    def _hook_before_write(self, env, ids, stored, commands):
        if env.version >= 13 and "balance" in stored and "debit" not in stored and "credit" not in stored:
            stored["debit"], stored["credit"] = max(stored["balance"], 0.0), max(-stored["balance"], 0.0)
        if env.version >= 13 and stored.get("tax_repartition_line_id"):
            stored["tax_line_id"] = self._originator(env, stored["tax_repartition_line_id"])
        self._guard(env, ids, stored, commands)
        self._snapshot(env, sorted({self.rows(env)[i]["move_id"] for i in ids}))

    def _hook_before_unlink(self, env, ids):
        if env.context.get("check_move_validity", True) and not getattr(env, "su_unlink_lines", False):
            self._guard(env, ids, {"unlink": True}, {})

    def _hook_after_create(self, env, rid, vals):
        move = env.store.get("account.move", self.rows(env)[rid]["move_id"]) or {}
        if move.get("state") == "posted" and env.context.get("check_move_validity", True):
            env["account.move"].check_modifiable(env, [move["id"]], {"line_ids"})
