"""Fact rows of one document (pure: no database): its lines, split by allocation, in both currencies.

    rows = document_rows(document, context)     # list of dicts, each with its digest

`document` is a dict of Document values plus `canonical`; `context` answers the master-data questions (tax rate
of a tax code, the dimension keys of an employee, a project, a category) — see services.dimensions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")
DIGEST_FIELDS = (
    "document_key", "line_id", "source_system", "source_id", "object_type", "entity_id", "employee_id",
    "department_id", "project_id", "account_id", "expense_date_id", "posting_date_id", "category", "merchant",
    "tax_code", "payment_mode", "currency", "amount", "tax_amount", "net_amount", "company_currency",
    "amount_company", "tax_amount_company", "net_amount_company", "status", "reimbursement_state", "odoo_model",
    "odoo_ids", "odoo_entry", "received_at", "posted_at",
)  # fmt: skip


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def date_key(value: date | None) -> int | None:
    return None if value is None else value.year * 10000 + value.month * 100 + value.day


def digest(row: dict) -> str:
    text = "\x1f".join("" if row.get(name) is None else str(row[name]) for name in DIGEST_FIELDS)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Split:
    percent: Decimal
    project: str
    cost_centre: str
    department: str


def splits(line: dict) -> list[Split]:
    allocations = line.get("allocations") or []
    if not allocations:
        return [Split(Decimal(100), line.get("project", ""), line.get("cost_centre", ""), line.get("department", ""))]
    return [Split(Decimal(a["percent"]), a.get("project", ""), a.get("cost_centre", ""), a.get("department", ""))
            for a in allocations]  # fmt: skip


def shares(total: Decimal, parts: list[Split]) -> list[Decimal]:
    """`total` split by the parts' percentages, in cents, the rounding left on the last part (sums exactly)."""
    if len(parts) == 1:
        return [total]
    out = [money(total * p.percent / 100) for p in parts[:-1]]
    return [*out, total - sum(out, ZERO)]


def conversion(line: dict, company_currency: str) -> Decimal | None:
    """Factor from the line's currency to the company's, when the platform gave one (else Odoo converts)."""
    if line["currency"] == company_currency:
        return Decimal(1)
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
        amount = Decimal(line["amount"])
        return money(amount * rate / (Decimal(100) + rate))
    return ZERO


def _company(value: Decimal, factor: Decimal | None) -> Decimal | None:
    return None if factor is None else (value if factor == 1 else money(value * factor))


def document_rows(document: dict, context) -> list[dict]:
    """Every fact row of `document` (see the module docstring)."""
    canonical, entity = document["canonical"], context.entity
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
    rows = []
    for line in canonical.get("lines", []):
        rows.extend(_line_rows(line, base, context))
    return rows


def _line_rows(line: dict, base: dict, context) -> list[dict]:
    amount = Decimal(line["amount"])
    tax = line_tax(line, context.tax_rate(line.get("tax_code", "")))
    factor = conversion(line, base["company_currency"])
    parts = splits(line)
    amounts, taxes = shares(amount, parts), shares(tax, parts)
    expense_date = date.fromisoformat(line["date"])
    rows = []
    for n, (part, part_amount, part_tax) in enumerate(zip(parts, amounts, taxes, strict=True), start=1):
        row = {**base, "line_id": line["id"] if n == 1 else f"{line['id']}#{n}",
               "project_id": context.project(part.project),
               "account_id": context.account(line["category"]), "expense_date_id": date_key(expense_date),
               "category": line["category"][:200], "merchant": (line.get("merchant") or "")[:300],
               "tax_code": line.get("tax_code", "")[:100], "payment_mode": line.get("payment", "employee"),
               "currency": line["currency"], "amount": part_amount, "tax_amount": part_tax,
               "net_amount": part_amount - part_tax, "amount_company": _company(part_amount, factor),
               "tax_amount_company": _company(part_tax, factor)}  # fmt: skip
        if part.department and base["department_id"] is None:
            row["department_id"] = context.department(part.department)
        company = row["amount_company"]
        row["net_amount_company"] = None if company is None else company - row["tax_amount_company"]
        row["digest"] = digest(row)
        rows.append(row)
    return rows
