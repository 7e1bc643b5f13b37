"""Synthetic data for the reporting benchmarks: posted documents (canonical JSON with lines), their master
data, their ledger postings, without going through the pipeline (which the sync benchmarks measure)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

EMPLOYEES = 200
DEPARTMENTS = ["Sales", "Engineering", "Finance", "Operations"]
PROJECTS = ["PRJ-ALPHA", "PRJ-BETA", "PRJ-GAMMA"]
CATEGORIES = [("TAXI", 23), ("MEALS", 24), ("HOTEL", 25), ("OFFICE", 26)]


def entity(code: str = "FR", company: int = 2):
    from apps.entities.models import LegalEntity

    return LegalEntity.objects.get_or_create(
        code=code, defaults={"name": f"Acme {code}", "currency": "EUR", "country": code, "odoo_company_id": company}
    )[0]


def master_data(fr) -> None:
    """Employees, departments, projects, taxes, categories and accounts of `fr` in the master-data cache."""
    from django.utils import timezone

    from apps.mappings.models import MasterRecord

    now, rows = timezone.now(), []

    def add(kind, odoo_id, code, name, data):
        rows.append(MasterRecord(entity=fr, kind=kind, odoo_id=odoo_id, code=code, name=name, company_id=2,
                                 active=True, data=data, digest=uuid.uuid4().hex, changed_at=now))  # fmt: skip

    for i, name in enumerate(DEPARTMENTS, start=5):
        add("departments", i, "", name, {"id": i, "name": name, "manager_id": None})
    for i in range(EMPLOYEES):
        add("employees", 100 + i, f"e{i}@example.com", f"Employee {i}", {"department_id": 5 + i % 4, "active": True})
    for i, code in enumerate(PROJECTS, start=1):
        add("analytic_accounts", i, code, code, {"code": code})
    add("taxes", 2, "", "FR-20", {"amount": 20.0, "amount_type": "percent"})
    add("taxes", 3, "", "FR-10", {"amount": 10.0, "amount_type": "percent"})
    for i, (code, account) in enumerate(CATEGORIES, start=1):
        add("expense_categories", i, code, code, {"default_code": code, "expense_account_id": account})
        add("accounts", account, f"6{i}00", f"Expense {code}", {"code": f"6{i}00"})
    MasterRecord.objects.bulk_create(rows, batch_size=1000)


def canonical(n: int, lines: int, day: dt.date, *, taxed: bool = True) -> dict:
    return {
        "type": "expense_report", "id": f"R-{n}", "revision": 1, "entity": "FR",
        "employee": {"email": f"e{n % EMPLOYEES}@example.com"}, "currency": "EUR",
        "lines": [{"id": f"R-{n}-{k}", "date": day.isoformat(), "amount": f"{10 + (n * 7 + k) % 90}.{k}0",
                   "currency": "EUR", "category": CATEGORIES[k % 4][0], "payment": "employee", "receipt": True,
                   "merchant": f"Merchant {k}", "project": PROJECTS[(n + k) % 3],
                   **({"tax_code": "FR-20" if k % 2 else "FR-10"} if taxed else {})} for k in range(1, lines + 1)],
    }  # fmt: skip


def documents(
    fr,
    count: int,
    lines: int,
    *,
    state: str = "posted",
    start: dt.date,
    days: int = 28,
    with_lines: bool = False,
    taxed: bool = True,
    prefix: str = "bench",
) -> list:
    """`count` documents of `lines` lines each, in `state`, dated over `days` from `start` (bulk inserts)."""
    from django.utils import timezone

    from apps.documents.models import Document, DocumentLine

    now = timezone.now()
    batch = []
    for n in range(count):
        day = start + dt.timedelta(days=n % days)
        data = canonical(n, lines, day, taxed=taxed)
        total = sum(Decimal(line["amount"]) for line in data["lines"])
        batch.append(Document(source_connector=prefix, source_system="generic", object_type="expense_report",
                              source_id=f"R-{n}", idempotency_key=f"{prefix}:expense_report:R-{n}:1", entity=fr,
                              employee_email=data["employee"]["email"], currency="EUR", total=total, line_count=lines,
                              canonical=data, state=state, odoo_model="account.move", odoo_ids=[n + 1],
                              posted_at=now))  # fmt: skip
    created = Document.objects.bulk_create(batch, batch_size=2000)
    if with_lines:
        rows = [DocumentLine(document=d, position=k, line_id=line["id"], date=dt.date.fromisoformat(line["date"]),
                             amount=Decimal(line["amount"]), currency="EUR", category=line["category"],
                             tax_code=line.get("tax_code", ""), project=line["project"], payment_mode="employee")
                for d in created for k, line in enumerate(d.canonical["lines"], start=1)]  # fmt: skip
        DocumentLine.objects.bulk_create(rows, batch_size=5000)
    return created


def ledger_postings(fr, docs: list) -> None:
    """One `journal_entry.posted` entry per document, as the flow records it (batched appends)."""
    from django.db import transaction

    from apps.ledger.services import ledger_append_many

    specs = [{"kind": "journal_entry.posted", "direction": "outbound", "entity": fr.code, "connector": "odoo",
              "flow": "bench", "document": d.idempotency_key, "source_id": d.source_id, "target_model": "account.move",
              "target_id": str(d.odoo_ids[0]), "payload": {"name": f"MISC/2026/{i:05d}"}}
             for i, d in enumerate(docs)]  # fmt: skip
    with transaction.atomic():
        for start in range(0, len(specs), 5000):
            ledger_append_many(specs[start : start + 5000])
