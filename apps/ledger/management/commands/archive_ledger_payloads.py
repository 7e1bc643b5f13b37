"""archive_ledger_payloads: move payloads past their retention to archive files (entries stay; chain intact)."""

from django.core.management.base import BaseCommand

from apps.ledger.retention import archive_dir, ledger_payloads_archive


class Command(BaseCommand):
    help = "Archive ledger payloads older than the retention policy (settings.LEDGER_RETENTION_DAYS)."

    def handle(self, *args, **options):
        summaries = ledger_payloads_archive(actor="archive_ledger_payloads")
        self.stdout.write(f"{len(summaries)} archive batch(es) written to {archive_dir()}")
