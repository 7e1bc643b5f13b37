"""anchor_ledger: record the chain's head as an anchor entry and export it to settings.LEDGER_ANCHOR_DIR, and
to settings.LEDGER_ANCHOR_URL when set (retrying anchors an earlier run could not deliver)."""

from django.core.management.base import BaseCommand

from apps.ledger.anchoring import anchor_export_status, anchors_path, ledger_anchor


class Command(BaseCommand):
    help = "Anchor the ledger head (entry + line in the anchors file outside the database, + POST to the URL)."

    def handle(self, *args, **options):
        entry = ledger_anchor(actor="anchor_ledger")
        self.stdout.write(f"anchored head before #{entry.sequence} → {anchors_path()}")
        status = anchor_export_status()
        if status is None:
            return
        if status["undelivered"]:
            self.stderr.write(f"{status['undelivered']} anchor(s) NOT delivered to {status['url']}: see the ledger")
            raise SystemExit(1)
        self.stdout.write(f"delivered to {status['url']}")
