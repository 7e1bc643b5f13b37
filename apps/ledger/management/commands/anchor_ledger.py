"""anchor_ledger: record the chain's head as an anchor entry and export it to settings.LEDGER_ANCHOR_DIR."""

from django.core.management.base import BaseCommand

from apps.ledger.anchoring import anchors_path, ledger_anchor


class Command(BaseCommand):
    help = "Anchor the ledger head (entry + line in the anchors file outside the database)."

    def handle(self, *args, **options):
        entry = ledger_anchor(actor="anchor_ledger")
        self.stdout.write(f"anchored head before #{entry.sequence} → {anchors_path()}")
