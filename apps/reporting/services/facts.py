"""Fact rows of one document (pure: no database): its lines, split by allocation, in both currencies.

    rows = document_rows(document, context)     # list of dicts, each with its digest

`document` is a dict of Document values plus `canonical`; `context` answers the master-data questions (tax rate
of a tax code, the dimension keys of an employee, a project, a category) — see services.dimensions.
The digest covers every published column: the part shared by the document's rows is hashed once per document.
"""

from __future__ import annotations

import hashlib
import operator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal(100)
ONE = Decimal(1)
DOCUMENT_FIELDS = (
    "document_key", "source_system", "source_id", "object_type", "entity_id", "employee_id", "department_id",
    "status", "reimbursement_state", "odoo_model", "odoo_ids", "odoo_entry", "received_at", "posted_at",
    "company_currency", "posting_date_id",
)  # fmt: skip
LINE_FIELDS = (
    "line_id", "department_id", "project_id", "account_id", "expense_date_id", "category", "merchant", "tax_code",
    "payment_mode", "currency", "amount", "tax_amount", "net_amount", "amount_company", "tax_amount_company",
    "net_amount_company",
)  # fmt: skip
_DATE_KEYS: dict[str, int] = {}


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def date_key(value: date | None) -> int | None:
    return None if value is None else value.year * 10000 + value.month * 100 + value.day


def iso_date_key(text: str) -> int:
    """20261120 for "2026-11-20" (cached: a batch has few distinct dates)."""
    key = _DATE_KEYS.get(text)
    if key is None:
        key = _DATE_KEYS[text] = date_key(date.fromisoformat(text))
    return key


_DOCUMENT_VALUES = operator.itemgetter(*DOCUMENT_FIELDS)
_LINE_VALUES = operator.itemgetter(*LINE_FIELDS)


def _text(values: tuple) -> str:
    return "\x1f".join(map(str, values))  # None → "None": only ever compared with itself


def splits(line: dict) -> list[tuple[Decimal, str, str]]:
    """(percent, project, department) of each allocation of the line (the whole line when not split)."""
    allocations = line.get("allocations")
    if not allocations:
        return [(HUNDRED, line.get("project", ""), line.get("department", ""))]
    return [(Decimal(a["percent"]), a.get("project", ""), a.get("department", "")) for a in allocations]


def shares(total: Decimal, parts: list) -> list[Decimal]:
    """`total` split by the parts' percentages, in cents, the rounding left on the last part (sums exactly)."""
    if len(parts) == 1:
        return [total]
    out = [money(total * p[0] / HUNDRED) for p in parts[:-1]]
    return [*out, total - sum(out, ZERO)]


def conversion(line: dict, company_currency: str) -> Decimal | None:
    """Factor from the line's currency to the company's, when the platform gave one (else Odoo converts)."""
    if line["currency"] == company_currency:
        return ONE
    amount = Decimal(line["amount"])
    if line.get("converted_amount") is not None and amount:
        return Decimal(line["converted_amount"]) / amount
    if line.get("fx_rate") is not None:
        return Decimal(line["fx_rate"])
    return None


def line_tax(line: dict, rate: Decimal | None) -> Decimal:
    """The platform's tax amount, else the tax included in the amount at the tax code's rate (as posted)."""
    if line.get("tax_amount") is not None:
        return Decimal(line["tax_amount"])
    if rate:
        return money(Decimal(line["amount"]) * rate / (HUNDRED + rate))
    return ZERO


def _company(value: Decimal, factor: Decimal | None) -> Decimal | None:
    return None if factor is None else (value if factor == ONE else money(value * factor))


def document_rows(document: dict, context) -> list[dict]:
    """Every fact row of `document` (see the module docstring)."""
    entity = context.entity
    base = {
        "document_key": document["idempotency_key"], "source_system": document["source_system"],
        "source_id": document["source_id"], "object_type": document["object_type"], "entity_id": entity.id,
        "employee_id": None, "department_id": None, "status": document["status"],
        "reimbursement_state": document.get("payment_state") or "", "odoo_model": document["odoo_model"],
        "odoo_ids": ",".join(str(i) for i in document["odoo_ids"])[:200],
        "odoo_entry": (document.get("entry_name") or "")[:100], "received_at": document["received_at"],
        "posted_at": document["posted_at"], "company_currency": entity.currency,
        "posting_date_id": date_key(document.get("posting_date")),
    }  # fmt: skip
    employee = context.employee(document["employee_email"], document["employee_name"])
    if employee is not None:
        base["employee_id"], base["department_id"] = employee
    shared = _text(_DOCUMENT_VALUES(base))
    rows = []
    for line in document["canonical"].get("lines", []):
        rows.extend(_line_rows(line, base, shared, context))
    return rows


def _line_rows(line: dict, base: dict, shared: str, context) -> list[dict]:
    amount = Decimal(line["amount"])
    tax = line_tax(line, context.tax_rate(line.get("tax_code", "")))
    factor = conversion(line, base["company_currency"])
    parts = splits(line)
    amounts, taxes = shares(amount, parts), shares(tax, parts)
    common = {"account_id": context.account(line["category"]), "expense_date_id": iso_date_key(line["date"]),
              "category": line["category"][:200], "merchant": (line.get("merchant") or "")[:300],
              "tax_code": line.get("tax_code", "")[:100], "payment_mode": line.get("payment", "employee"),
              "currency": line["currency"]}  # fmt: skip
    rows = []
    for n, ((_percent, project, department), part_amount, part_tax) in enumerate(
        zip(parts, amounts, taxes, strict=True), start=1
    ):
        company, company_tax = _company(part_amount, factor), _company(part_tax, factor)
        row = {**base, **common, "line_id": line["id"] if n == 1 else f"{line['id']}#{n}",
               "project_id": context.project(project), "amount": part_amount, "tax_amount": part_tax,
               "net_amount": part_amount - part_tax, "amount_company": company, "tax_amount_company": company_tax,
               "net_amount_company": None if company is None else company - company_tax}  # fmt: skip
        if department and base["department_id"] is None:
            row["department_id"] = context.department(department)
        text = shared + "\x1e" + _text(_LINE_VALUES(row))
        row["digest"] = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
        rows.append(row)
    return rows
