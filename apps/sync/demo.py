"""Demo flow (idempotent): `demo-expenses` from the `demo-platform` webhook connector to `odoo-sandbox`."""

from apps.connectors.models import Connector
from apps.entities.models import LegalEntity
from apps.sync.models import Flow


def seed(stdout) -> None:
    source = Connector.objects.filter(slug="demo-platform").first()
    target = Connector.objects.filter(slug="odoo-sandbox").first()
    if source is None or target is None:
        stdout.write("sync: demo connectors demo-platform / odoo-sandbox missing; demo flow not created.")
        return
    flow, created = Flow.objects.get_or_create(
        slug="demo-expenses",
        defaults={"name": "Demo expenses", "source": source, "target": target, "trigger": "webhook",
                  "posting_mode": "journal_entry", "closed_period_policy": "hold", "journal_code": "MISC",
                  "card_journal_code": "CARD"},
    )  # fmt: skip
    flow.entities.set(LegalEntity.objects.filter(code__in=["US", "FR", "DE"]))
    stdout.write(f"sync: flow demo-expenses {'created' if created else 'already there'}.")
