"""Sample objects of the reporting app for the URL × role test (tests/access/samples.py)."""

from datetime import date

from django.utils import timezone


def build_samples(entities) -> dict:
    from apps.reporting.models import ReconciliationDifference, ReconciliationRun

    run = ReconciliationRun.objects.create(
        entity=entities["FR"], period_start=date(2030, 1, 1), period_end=date(2030, 1, 31), status="done",
        finished_at=timezone.now(), differences_count=1,
        summary={"currency": "EUR", "received": {"count": 1, "total": "10.00"},
                 "ledger": {"count": 1, "total": "10.00"},
                 "odoo": {"count": 0, "total": "0.00"}, "reporting": {"count": 1, "total": "10.00", "rows": 1},
                 "rejected": 0, "unknown_amounts": 0, "differences": {"missing_in_odoo": 1}},
    )  # fmt: skip
    ReconciliationDifference.objects.create(run=run, document_key="demo:expense_report:R-1:1", source_id="R-1",
                                            kind="missing_in_odoo", message='=HYPERLINK("x")', sides={})  # fmt: skip
    return {"reconciliation": run}
