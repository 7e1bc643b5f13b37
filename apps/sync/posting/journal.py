"""Journal-entry payloads (pure): one `account.move` per document, in the target version's vocabulary.

Expense lines debit their category's account with the line's analytic split and taxes; one credit line per
currency goes to the employee's payable (paid by the employee: their partner's payable account, as Odoo's
expense flow uses) or to the card journal's clearing account (paid by the company), for the GROSS amount.

Taxes are price-included on the platform: the expense line carries the net amount and `tax_ids`, and the
entry carries the VAT itself as an explicit tax line of the platform's tax amount (or the rate's) — Odoo 11
on the tax's account (`tax_line_id`), 13+ on each `tax` line of the tax's invoice distribution
(`tax_repartition_line_id`, the amount split by its percentage). Odoo 16+ keeps tax lines given on create and
only computes them when none are given — price-excluded on the net, rounded per line, which can miss the
platform's VAT by a cent, and whatever does not balance then lands on an "Automatic Balancing Line" on the
suspense account. Sending the tax line keeps the receipt's VAT exact and the entry balanced on every version.
Foreign-currency lines carry `currency_id` and `amount_currency`; the company amount comes from the
platform's conversion when it gave one, else Odoo converts.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from apps.documents.canonical import CanonicalDocument, DocumentType, Line, PaymentMode
from apps.mappings.engine import Resolution, ResolvedLine
from apps.sync.posting.facts import PostingFacts

CENT = Decimal("0.01")


class PayloadError(ValueError):
    """The document cannot be expressed as an entry (missing account, journal…): a human must fix data."""

    def __init__(self, message: str, category: str = "master_data_missing"):
        super().__init__(message)
        self.category = category


@dataclass(frozen=True)
class EntryPlan:
    key: str
    vals: dict
    lines: int


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def split_tax(line: Line, rate: Decimal | None) -> tuple[Decimal, Decimal]:
    """(net, tax) of a tax-included amount: the platform's tax amount when given, else from the rate. A reported
    0 counts as not given (Expensify sends 0 without tax tracking; the mapping check lets it through so)."""
    if line.tax_amount:
        tax = line.tax_amount
    elif rate:
        tax = money(line.amount * rate / (Decimal(100) + rate))
    else:
        tax = Decimal(0)
    return line.amount - tax, tax


def company_amount(line: Line, amount: Decimal, company_currency: str) -> Decimal | None:
    """`amount` (in the line's currency) in the company currency, when known without asking Odoo."""
    if line.currency == company_currency:
        return amount
    if line.converted_amount is not None and line.amount:
        return money(amount * line.converted_amount / line.amount)
    if line.fx_rate is not None:
        return money(amount * line.fx_rate)
    return None


def _amounts(line: Line, amount: Decimal, facts: PostingFacts, sign: int) -> dict:
    """debit/credit (and currency fields for foreign lines); sign +1 debit, -1 credit."""
    values = {}
    local = company_amount(line, amount, facts.company_currency)
    if local is not None:
        values.update(debit=float(local) if sign > 0 else 0.0, credit=float(local) if sign < 0 else 0.0)
    if line.currency != facts.company_currency:
        currency_id = facts.currencies.get(line.currency)
        if currency_id is None:
            raise PayloadError(f"Odoo has no active currency {line.currency}.")
        values.update(currency_id=currency_id, amount_currency=float(sign * amount))
    return values


def _label(line: Line) -> str:
    return " · ".join(p for p in (line.description or line.category, line.merchant) if p)[:250] or line.id


def expense_line_vals(line: Line, resolved: ResolvedLine, facts: PostingFacts, profile) -> list[dict]:
    """The debit line of one expense line (net, with `tax_ids`) and its explicit tax line(s)."""
    if not resolved.account_id:
        raise PayloadError(f"Line {line.id}: the category {line.category!r} has no expense account in Odoo.")
    tax_id = resolved.tax_ids[0] if resolved.tax_ids else None
    # Without an Odoo tax the VAT is not recoverable: the whole amount is the expense.
    net, tax = split_tax(line, facts.tax_rate(tax_id)) if tax_id else (line.amount, Decimal(0))
    vals = {"account_id": resolved.account_id, "name": _label(line), **_amounts(line, net, facts, +1)}
    if resolved.tax_ids:
        vals["tax_ids"] = [(6, 0, list(resolved.tax_ids))]
    split = {int(k): float(v) for k, v in resolved.analytic_distribution.items()}
    if split:
        if profile.analytic_field == "analytic_account_id" and len(split) > 1:
            split = {max(split, key=split.get): 100.0}  # Odoo 11: one account per line, the largest share
        vals.update(profile.analytic_value(None, split))
    if resolved.partner_id and profile.major >= 16:
        vals["partner_id"] = resolved.partner_id
    return [vals] + (tax_line_vals(line, tax_id, tax, vals, facts, profile) if tax else [])


def tax_line_vals(line: Line, tax_id: int, tax: Decimal, base: dict, facts: PostingFacts, profile) -> list[dict]:
    """The explicit tax line(s) of `tax` (line currency): 11 on the tax's account; 13+ one per `tax` line of the
    tax's invoice distribution, by its percentage (rounding on the last one), on its account or the base's."""
    label = f"Tax {line.tax_code}"
    info = facts.taxes.get(tax_id) or {}
    if profile.major < 13:
        if not info.get("account_id"):
            raise PayloadError(f"Odoo tax {tax_id} has no tax account.", "invalid_tax")
        return [{"account_id": info["account_id"], "name": label, "tax_line_id": tax_id,
                 **_amounts(line, tax, facts, +1)}]  # fmt: skip
    splits = info.get("splits") or []
    if not splits or abs(sum(pct for *_, pct in splits) - 100) > 0.001:
        raise PayloadError(f"Odoo tax {line.tax_code!r} (id {tax_id}) does not put 100 % of its amount on tax "
                           "accounts; map the code to a fully deductible tax.", "invalid_tax")  # fmt: skip
    out, left = [], tax
    for position, (repartition_id, account, pct) in enumerate(splits, 1):
        share = left if position == len(splits) else money(tax * Decimal(str(pct)) / 100)
        left -= share
        vals = {"account_id": account or base["account_id"], "name": label, "tax_repartition_line_id": repartition_id,
                **_amounts(line, share, facts, +1)}  # fmt: skip
        if base.get("partner_id"):
            vals["partner_id"] = base["partner_id"]
        out.append(vals)
    return out


def company_paid(document: CanonicalDocument, line: Line) -> bool:
    return document.type == DocumentType.CARD_TRANSACTION or line.payment == PaymentMode.COMPANY


def counterparts(document: CanonicalDocument, resolution: Resolution, facts: PostingFacts,
                 card_journal: dict | None) -> dict[bool, tuple[int, int | None]]:  # fmt: skip
    """{company paid?: (account id, partner id)} the entry credits: the employee's payable (their partner's payable
    account, else the company's) for what the employee paid, the card journal's clearing account for what the
    company's card paid."""
    out = {}
    if any(company_paid(document, line) for line in document.lines):
        if not (card_journal or {}).get("default_account_id"):
            raise PayloadError("The card journal has no default (clearing) account in Odoo.")
        out[True] = (card_journal["default_account_id"], None)
    if not all(company_paid(document, line) for line in document.lines):
        employee_id = next((r.employee_id for r in resolution.lines if r.employee_id), None)
        account = facts.payable_of(employee_id)
        if not account:
            raise PayloadError(f"Odoo company {facts.company_id} has no payable account.")
        # Without a private contact (Odoo 11 demo employees) the payable line carries no partner and goes to the
        # company's payable account: still balanced, reconciled by hand; the ledger shows it.
        out[False] = (account, facts.employee_partner.get(employee_id) if employee_id else None)
    return out


def credit_lines(document, debit_lines: list[tuple[Line, dict]], accounts: dict, facts) -> list[dict]:
    """One credit per payer (employee / company card) and currency, balancing those debits exactly."""
    groups: dict[tuple[bool, str], list[tuple[Line, dict]]] = defaultdict(list)
    for line, vals in debit_lines:
        groups[(company_paid(document, line), line.currency)].append((line, vals))
    out = []
    for (company, currency), items in sorted(groups.items()):
        account_id, partner_id = accounts[company]
        label = f"{document.title or document.source_id} ({currency}{', card' if company else ''})"
        vals = {"account_id": account_id, "name": label[:250]}
        if partner_id:
            vals["partner_id"] = partner_id
        if all("debit" in v for _, v in items):
            vals.update(debit=0.0, credit=float(sum(Decimal(str(v["debit"])) for _, v in items)))
        if currency != facts.company_currency:
            vals.update(currency_id=items[0][1]["currency_id"],
                        amount_currency=-float(sum(Decimal(str(v["amount_currency"])) for _, v in items)))  # fmt: skip
        out.append(vals)
    return out


def journal_entry(document: CanonicalDocument, resolution: Resolution, facts: PostingFacts, profile, *, key: str,
                  journal_code: str, on: date, card_journal_code: str | None = None) -> EntryPlan:  # fmt: skip
    """The account.move values of `document` posted under `key` on date `on` in journal `journal_code`;
    company-paid lines credit `card_journal_code`'s clearing account (default: the entry's journal).
    Raises PayloadError."""
    journal = facts.journal(journal_code)
    needs_card = any(company_paid(document, line) for line in document.lines)
    card_journal = facts.journal(card_journal_code or journal_code) if needs_card else None
    resolved = {r.line_id: r for r in resolution.lines}
    debits: list[tuple[Line, dict]] = []
    for line in document.lines:
        for vals in expense_line_vals(line, resolved[line.id], facts, profile):
            debits.append((line, vals))
    accounts = counterparts(document, resolution, facts, card_journal)
    lines = [vals for _, vals in debits] + credit_lines(document, debits, accounts, facts)
    vals = {"journal_id": journal["id"], "date": on.isoformat(), "ref": key,
            "line_ids": [(0, 0, line) for line in lines]}  # fmt: skip
    if profile.move_type_field:
        vals[profile.move_type_field] = "entry"
    return EntryPlan(key=key, vals=vals, lines=len(document.lines))


def reversal_line_fields(profile) -> list[str]:
    """What a reversal reads of the original's lines to mirror them: amounts, partner, currency, analytics, and
    what makes a line a tax base (`tax_ids`) or a tax line (11: `tax_line_id`; 13+: `tax_repartition_line_id`)."""
    tax_line = "tax_repartition_line_id" if profile.major >= 13 else "tax_line_id"
    return ["move_id", "account_id", "partner_id", "name", "debit", "credit", "currency_id", "amount_currency",
            "tax_ids", tax_line, profile.analytic_field]  # fmt: skip


def reversal_entry(original: dict, original_lines: list[dict], *, key: str, on: date, profile) -> EntryPlan:
    """A reversing entry of a posted move (read back with `reversal_line_fields`): debits and credits swapped,
    every other accounting fact mirrored — the base lines keep their taxes and analytics, the tax lines their
    tax distribution line (as Odoo's own reversal of an entry does), so the VAT is reversed in the tax report
    too. Without them Odoo 16+ would see plain lines on the tax account: no tax reversed."""
    lines = []
    for line in original_lines:
        vals = {"account_id": _id(line["account_id"]), "name": f"Reversal: {line.get('name') or ''}"[:250],
                "debit": line.get("credit", 0.0), "credit": line.get("debit", 0.0)}  # fmt: skip
        if line.get("partner_id"):
            vals["partner_id"] = _id(line["partner_id"])
        if line.get("currency_id") and line.get("amount_currency"):
            vals.update(currency_id=_id(line["currency_id"]), amount_currency=-line["amount_currency"])
        vals.update(_mirrored_taxes(line, profile))
        analytic = line.get(profile.analytic_field)
        if analytic:
            vals[profile.analytic_field] = (
                _id(analytic) if profile.analytic_field == "analytic_account_id" else analytic
            )
        lines.append(vals)
    vals = {"journal_id": _id(original["journal_id"]), "date": on.isoformat(), "ref": key,
            "line_ids": [(0, 0, line) for line in lines]}  # fmt: skip
    if profile.move_type_field:
        vals[profile.move_type_field] = "entry"
    return EntryPlan(key=key, vals=vals, lines=0)


def _mirrored_taxes(line: dict, profile) -> dict:
    out = {}
    if line.get("tax_ids"):
        out["tax_ids"] = [(6, 0, [_id(t) for t in line["tax_ids"]])]
    tax_line = "tax_repartition_line_id" if profile.major >= 13 else "tax_line_id"
    if line.get(tax_line):
        out[tax_line] = _id(line[tax_line])
    return out


def _id(value):
    return value[0] if isinstance(value, list | tuple) else value
