"""Expense-flow payloads (pure): `hr.expense` lines and the report holding them, in the target version's words.

One report per document and payment mode (Odoo refuses a report mixing employee- and company-paid expenses):
the report's key is the document's idempotency key, or `<key>:company` for the company-paid part of a mixed
document. Each expense carries its line key in `description` and, like the report, an external id, so a
retry finds what an earlier attempt created. Amounts: 17+ take the tax-included price (`price_unit`); 11 and 16
add taxes on top of `unit_amount`, so they get the net amount.
"""

from dataclasses import dataclass

from apps.documents.canonical import CanonicalDocument, Line, PaymentMode
from apps.mappings.engine import Resolution, ResolvedLine
from apps.sync.posting.facts import PostingFacts
from apps.sync.posting.journal import PayloadError, split_tax
from apps.sync.posting.keys import line_key

PAYMENT_MODES = {PaymentMode.EMPLOYEE: "own_account", PaymentMode.COMPANY: "company_account"}


@dataclass(frozen=True)
class ExpensePlan:
    key: str  # the report's key (name of the hr.expense.sheet on 11–18)
    document_key: str
    employee_id: int
    company_id: int
    payment_mode: str
    expenses: tuple[tuple[str, dict], ...]  # (line key, hr.expense values)

    @property
    def line_keys(self) -> list[str]:
        return [k for k, _ in self.expenses]

    def report_vals(self, expense_ids: list[int]) -> dict:
        return {"name": self.key, "employee_id": self.employee_id, "company_id": self.company_id,
                "expense_line_ids": [(6, 0, list(expense_ids))]}  # fmt: skip


def _label(line: Line) -> str:
    return " · ".join(p for p in (line.description or line.category, line.merchant) if p)[:250] or line.id


def expense_vals(line: Line, resolved: ResolvedLine, facts: PostingFacts, profile, *, key: str, employee_id: int,
                 mode: str) -> dict:  # fmt: skip
    """The hr.expense values of one line. Raises PayloadError when the category is not an expense product."""
    if not resolved.product_id:
        raise PayloadError(f"Line {line.id}: the expense flow needs the category {line.category!r} mapped to an Odoo "
                           "expense category (product), not to an account.")  # fmt: skip
    tax_id = resolved.tax_ids[0] if resolved.tax_ids else None
    price = line.amount if profile.major >= 17 else split_tax(line, facts.tax_rate(tax_id) if tax_id else None)[0]
    vals = {"name": _label(line), "employee_id": employee_id, "product_id": resolved.product_id,
            "date": line.date.isoformat(), profile.expense_price_field: float(price), "quantity": 1.0,
            "payment_mode": mode, "company_id": facts.company_id, "description": line_key(key, line.id)}  # fmt: skip
    if resolved.account_id:
        vals["account_id"] = resolved.account_id
    if resolved.tax_ids:
        vals["tax_ids"] = [(6, 0, list(resolved.tax_ids))]
    split = {int(k): float(v) for k, v in resolved.analytic_distribution.items()}
    if split and profile.analytic_field == "analytic_account_id" and len(split) > 1:
        split = {max(split, key=split.get): 100.0}  # Odoo 11: one account per expense, the largest share
    vals.update(profile.analytic_value(None, split) if split else {})
    if line.currency != facts.company_currency:
        currency_id = facts.currencies.get(line.currency)
        if currency_id is None:
            raise PayloadError(f"Odoo has no active currency {line.currency}.")
        vals["currency_id"] = currency_id
    return vals


def expense_plans(document: CanonicalDocument, resolution: Resolution, facts: PostingFacts, profile, *,
                  key: str) -> list[ExpensePlan]:  # fmt: skip
    """One plan per payment mode present in the document. Raises PayloadError."""
    resolved = {r.line_id: r for r in resolution.lines}
    employee_id = next((r.employee_id for r in resolution.lines if r.employee_id), None)
    if not employee_id:
        raise PayloadError("The expense flow needs the document's employee mapped to an Odoo employee.")
    by_mode: dict[str, list[Line]] = {}
    for line in document.lines:
        by_mode.setdefault(PAYMENT_MODES.get(line.payment, "own_account"), []).append(line)
    plans = []
    for mode, lines in sorted(by_mode.items(), key=lambda item: item[0] != "own_account"):
        plan_key = key if len(by_mode) == 1 or mode == "own_account" else f"{key}:company"
        expenses = tuple((line_key(plan_key, line.id), expense_vals(line, resolved[line.id], facts, profile,
                                                                     key=plan_key, employee_id=employee_id, mode=mode))
                         for line in lines)  # fmt: skip
        plans.append(ExpensePlan(plan_key, key, employee_id, facts.company_id, mode, expenses))
    return plans
