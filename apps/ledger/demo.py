"""Ledger demo data (idempotent): one expense report's journey for the lineage view, then a verification and an
anchor so the browser shows a verified chain. Schedules are not seeded here: migration 0003 creates them."""

from django.db import transaction

from apps.ledger.models import LedgerEntry
from apps.ledger.operations import ledger_daily
from apps.ledger.services import ledger_append_many

DEMO_DOCUMENT = "demo:expense-report:DEMO-0001"


def _journey() -> list[dict]:
    common = {"document": DEMO_DOCUMENT, "entity": "FR", "flow": "demo-expenses", "correlation_id": "demo0001"}
    return [
        {**common, "kind": "expense_report.received", "direction": "inbound", "connector": "demo-platform",
         "actor": "webhook", "source_system": "demo-platform", "source_id": "DEMO-0001",
         "payload": {"report": "DEMO-0001", "employee": "jane@example.com", "total": "184.20", "currency": "EUR",
                     "headers": {"X-Signature": "sha256=…"}}},
        {**common, "kind": "expense_report.mapped", "direction": "internal", "actor": "worker",
         "payload": {"lines": 3, "mapping_set": "FR v4"}},
        {**common, "kind": "journal_entry.posted", "direction": "outbound", "connector": "odoo-sandbox",
         "actor": "worker", "target_model": "account.move", "target_id": "4711",
         "payload": {"journal": "EXP", "amount": "184.20", "ref": DEMO_DOCUMENT}},
        {**common, "kind": "journal_entry.confirmed", "direction": "inbound", "connector": "odoo-sandbox",
         "actor": "worker", "target_model": "account.move", "target_id": "4711", "payload": {"state": "posted"}},
        {**common, "kind": "report.published", "direction": "outbound", "actor": "worker",
         "payload": {"extract": "expenses-daily"}},
    ]  # fmt: skip


def seed(stdout) -> None:
    with transaction.atomic():
        if not LedgerEntry.objects.filter(document=DEMO_DOCUMENT).exists():
            ledger_append_many(_journey())
            stdout.write("ledger: demo expense report journey appended")
    if not LedgerEntry.objects.filter(kind="ledger.verified").exists():
        result = ledger_daily(actor="seed_demo")
        stdout.write(f"ledger: {result.summary()}; head anchored")
