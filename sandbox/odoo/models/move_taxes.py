"""Odoo 16+'s dynamic lines on journal entries (`move_type` entry, draft): tax lines and the balancing line.

What real Odoo does (read in its source; see README "Journal entries"):
- 16/17 `account.move._sync_dynamic_lines` → `_sync_dynamic_line('tax_key', 'line_ids.compute_all_tax')`,
  18/19 `_sync_tax_lines`: a line carrying `tax_ids` (a *base* line) needs one tax line per tax repartition line,
  computed **price-excluded on the line's own amount** whatever the tax's `price_include` (16/17
  `_compute_all_tax`: `handle_price_include=False` for non-invoice lines; 18/19: `special_mode='total_excluded'`),
  rounded per line, grouped by (repartition line, account, currency, partner, analytic) and summed. The account
  is the repartition line's, else the base line's. A purchase tax on a credit line uses the refund distribution.
- Tax lines given by the caller on create are kept as they are ("do not modify user input if already created
  manually"); later, a change of the base lines recomputes them (updated / deleted / created by key).
- Then `_sync_unbalanced_lines`: a draft entry that has (or had) taxes and does not balance gets an
  "Automatic Balancing Line" on the company's suspense account (18/19: the journal's default account first,
  odoo/odoo#211443); only entries without taxes fail with the unbalanced error.
Odoo 11 has none of this (checked against a real 11: a base line with `tax_ids` gets no tax line).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..errors import ValidationError
from .taxes import repartition_lines

BALANCING = "Automatic Balancing Line"
LINE = "account.move.line"


@dataclass
class Snapshot:
    """A move's tax needs and tax lines before a change (empty for a move being created)."""

    needed: dict = field(default_factory=dict)
    existing: dict = field(default_factory=dict)  # tax line id → key
    had_tax: bool = False


def money(value: float) -> float:
    """Odoo's float_round(…, precision_rounding=0.01): half away from zero."""
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def applies(env, move: dict | None) -> bool:
    return (
        bool(move) and env.version >= 16 and move.get("move_type", "entry") == "entry" and move.get("state") == "draft"
    )


def lines_of(env, move_id) -> list[dict]:
    table = env.store.table(LINE)
    return [table[i] for i in env.store.children(LINE, "move_id", move_id)]


def company_currency(env, move) -> int | None:
    return (env.store.get("res.company", move.get("company_id") or 0) or {}).get("currency_id")


def snapshot(env, move_id) -> Snapshot:
    move = env.store.get("account.move", move_id)
    if not applies(env, move):
        return Snapshot()
    lines = lines_of(env, move_id)
    return Snapshot(needed(env, move, lines), existing(env, move, lines), any(line.get("tax_ids") for line in lines))


def tax_amount(tax: dict, base: float) -> float:
    """The tax on a positive base, price-excluded (how Odoo 16+ taxes journal-entry lines)."""
    rate = tax.get("amount") or 0.0
    kind = tax.get("amount_type") or "percent"
    if kind == "percent":
        return base * rate / 100
    if kind == "fixed":
        return rate
    if kind == "division" and rate != 100:
        return base / (1 - rate / 100) - base
    return 0.0  # tax groups are not modelled


def is_refund(line: dict, first_tax: dict) -> bool:
    kind = first_tax.get("type_tax_use")
    return (kind == "purchase" and not line.get("debit")) or (kind == "sale" and not line.get("credit"))


def base_amount(env, line: dict, currency_id) -> tuple[float, float, int | None]:
    """(amount in the line's currency, rate currency/company, currency) of a base line."""
    balance = (line.get("debit") or 0.0) - (line.get("credit") or 0.0)
    currency = line.get("currency_id")
    if currency and currency != currency_id and line.get("amount_currency"):
        amount = line["amount_currency"]
        return amount, (amount / balance if balance else 1.0), currency
    return balance, 1.0, currency_id


def key_of(rep_id, account_id, currency_id, partner_id, analytic) -> tuple:
    return (rep_id, account_id, currency_id, partner_id or False, json.dumps(analytic or None, sort_keys=True))


def needed(env, move: dict, lines: list[dict]) -> dict:
    """{key: {name, amount_currency, balance, tax_base_amount}} of the tax lines the base lines call for."""
    currency_id = company_currency(env, move)
    out: dict = {}
    for line in lines:
        if line.get("tax_repartition_line_id") or not line.get("tax_ids"):
            continue
        amount, rate, currency = base_amount(env, line, currency_id)
        sign, base = (-1 if amount < 0 else 1), abs(amount)
        taxes = [env.store.get("account.tax", t) for t in line["tax_ids"]]
        taxes = sorted((t for t in taxes if t), key=lambda t: (t.get("sequence") or 0, t["id"]))
        if not taxes:
            continue
        refund = is_refund(line, taxes[0])
        for tax in taxes:
            total = money(tax_amount(tax, base))
            for rep in repartition_lines(env, tax["id"], refund):
                share = (
                    money(total * (rep.get("factor_percent") or 0.0) / 100) if rep["repartition_type"] == "tax" else 0
                )
                if not share:
                    continue
                analytic = (tax.get("analytic") or not rep.get("use_in_tax_closing")) and line.get(
                    "analytic_distribution"
                )
                key = key_of(rep["id"], rep.get("account_id") or line["account_id"], currency,
                             move.get("partner_id") or line.get("partner_id"), analytic)  # fmt: skip
                vals = out.setdefault(key, {"name": tax["name"], "amount_currency": 0.0, "balance": 0.0,
                                            "tax_base_amount": 0.0})  # fmt: skip
                vals["amount_currency"] = money(vals["amount_currency"] + sign * share)
                vals["balance"] = money(vals["balance"] + sign * share / rate)
                vals["tax_base_amount"] = money(vals["tax_base_amount"] + sign * base / rate)
    return {k: v for k, v in out.items() if v["amount_currency"]}


def existing(env, move: dict, lines: list[dict]) -> dict:
    """{tax line id: key} of the move's tax lines (those with a repartition line)."""
    currency_id = company_currency(env, move)
    out = {}
    for line in lines:
        if line.get("tax_repartition_line_id"):
            out[line["id"]] = key_of(line["tax_repartition_line_id"], line["account_id"],
                                     line.get("currency_id") or currency_id, line.get("partner_id"),
                                     line.get("analytic_distribution"))  # fmt: skip
    return out


def sync(env, move_id, before: Snapshot | None) -> None:
    """After a create (before=None) or a change of a draft entry's lines: tax lines, then the balancing line."""
    move = env.store.get("account.move", move_id)
    if not applies(env, move):
        return
    before = before or Snapshot()
    inner = env.sudo().with_context(check_move_validity=False)
    _sync_tax_lines(inner, move, before)
    _sync_unbalanced(inner, move, before)


def _sync_tax_lines(env, move, before: Snapshot) -> None:
    lines = lines_of(env, move["id"])
    if not any(line.get("tax_ids") for line in lines):
        return  # taxes gone: the balancing step removes the tax lines
    after, present = needed(env, move, lines), existing(env, move, lines)
    if after == before.needed:
        return  # nothing the taxes depend on changed: keep what the user wrote
    if not before.needed and present != before.existing:
        return  # tax lines written by the caller along with the base lines: kept as they are
    by_key = defaultdict(list)
    for line_id, key in present.items():
        by_key[key].append(line_id)
    model = env[LINE]
    stale = [line_id for line_id, key in present.items() if key not in after]
    if stale:
        model.unlink_records(env, stale)
    for key, vals in after.items():
        values = _tax_line_vals(env, move, key, vals)
        for line_id in by_key.get(key, []):
            model.write_records(env, [line_id], values)
        if key not in by_key:
            model.create_records(env, [{**values, "move_id": move["id"]}])


def _tax_line_vals(env, move, key, vals) -> dict:
    rep_id, account_id, currency, partner_id, analytic = key
    rep = env.store.get("account.tax.repartition.line", rep_id) or {}
    balance = vals["balance"]
    values = {"name": vals["name"], "account_id": account_id, "tax_repartition_line_id": rep_id,
              "debit": max(balance, 0.0), "credit": max(-balance, 0.0), "amount_currency": vals["amount_currency"],
              "tax_base_amount": vals["tax_base_amount"], "partner_id": partner_id,
              "tax_line_id": rep.get("tax_id") or rep.get("invoice_tax_id") or rep.get("refund_tax_id")}  # fmt: skip
    if currency != company_currency(env, move):
        values["currency_id"] = currency
    if json.loads(analytic):
        values["analytic_distribution"] = json.loads(analytic)
    return values


def balancing_account(env, move) -> int | None:
    """16/17: the company's suspense account; 18/19: the journal's default account, else the suspense account."""
    company = env.store.get("res.company", move.get("company_id") or 0) or {}
    journal = env.store.get("account.journal", move.get("journal_id") or 0) or {}
    if env.version >= 18 and journal.get("default_account_id"):
        return journal["default_account_id"]
    return company.get("account_journal_suspense_account_id") or None


def _sync_unbalanced(env, move, before: Snapshot) -> None:
    lines = lines_of(env, move["id"])
    has_tax = any(line.get("tax_ids") for line in lines)
    tax_lines = [line["id"] for line in lines if line.get("tax_line_id") or line.get("tax_repartition_line_id")]
    if not has_tax and not (before.had_tax if env.version >= 18 else tax_lines):
        return  # only entries with taxes are balanced automatically
    model = env[LINE]
    if not has_tax and tax_lines:
        model.unlink_records(env, tax_lines)
    balancing = [line["id"] for line in lines_of(env, move["id"]) if line.get("name") == BALANCING]
    if balancing:
        model.write_records(env, balancing, {"debit": 0.0, "credit": 0.0, "amount_currency": 0.0})
    remaining = lines_of(env, move["id"])
    debit = money(sum(line.get("debit") or 0.0 for line in remaining))
    credit = money(sum(line.get("credit") or 0.0 for line in remaining))
    if abs(debit - credit) < 0.005:
        return
    balance = money(credit - debit)
    values = {"debit": max(balance, 0.0), "credit": max(-balance, 0.0), "amount_currency": balance}
    if balancing:
        model.write_records(env, balancing, values)
        return
    account = balancing_account(env, move)
    if not account:  # Odoo creates the line with no account: its SQL check refuses it ⚠
        raise ValidationError("The operation cannot be completed: Missing required account on accountable line.")
    model.create_records(env, [{**values, "name": BALANCING, "move_id": move["id"], "account_id": account}])
