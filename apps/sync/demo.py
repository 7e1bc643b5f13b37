"""Demo flows (idempotent), one per way in, all posting journal entries into `odoo-sandbox` for US, FR and DE:

- `demo-expenses`: the `demo-platform` webhook (posted as the deliveries arrive);
- `demo-file-upload`: the CSV/XLSX file drop (Run now, or `manage.py run_flow demo-file-upload`);
- `expensify-demo-pull`: pulls approved reports from the Expensify sandbox (Run now, or
  `manage.py run_flow expensify-demo-pull`).
The demo data carries no receipt files (the platform sandbox seeds lines above 75 without a receipt), so the
file and pull flows require receipts only above 300: every demo report posts. Lower a flow's threshold to see
the `missing_receipt` worklist items instead.
"""

from apps.connectors.models import Connector
from apps.entities.models import LegalEntity
from apps.sync.models import Flow

FLOWS = [
    # slug, name, source connector, trigger, receipts required above
    ("demo-expenses", "Demo expenses", "demo-platform", "webhook", 75),
    ("demo-file-upload", "Demo file uploads", "file-upload", "manual", 300),
    ("expensify-demo-pull", "Expensify demo pull", "expensify-demo", "manual", 300),
]


def seed(stdout) -> None:
    target = Connector.objects.filter(slug="odoo-sandbox").first()
    entities = LegalEntity.objects.filter(code__in=["US", "FR", "DE"])
    for slug, name, source_slug, trigger, receipt_threshold in FLOWS:
        source = Connector.objects.filter(slug=source_slug).first()
        if source is None or target is None:
            stdout.write(f"sync: demo connectors {source_slug} / odoo-sandbox missing; flow {slug} not created.")
            continue
        flow, created = Flow.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "source": source, "target": target, "trigger": trigger,
                      "posting_mode": "journal_entry", "closed_period_policy": "hold", "journal_code": "MISC",
                      "card_journal_code": "CARD", "receipt_threshold": receipt_threshold},
        )  # fmt: skip
        if created:
            flow.entities.set(entities)
        stdout.write(f"sync: flow {slug} {'created' if created else 'already there'}.")
