"""Re-encrypt every stored credential secret under the newest key (the first of ENCRYPTION_KEYS)."""

from django.core.management.base import BaseCommand, CommandError

from apps.connectors.services import vault_reencrypt_all
from apps.connectors.vault import KEYS_VARIABLE


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret under the first key of ENCRYPTION_KEYS and print counts. Put the new key "
        "first, run this, then remove the old keys."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count only; change nothing.")

    def handle(self, *args, dry_run=False, **options):
        counts = vault_reencrypt_all(dry_run=dry_run, actor="manage.py rotate_encryption_keys")
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(
            f"{counts['total']} stored secrets: {verb} {counts['reencrypted']}, "
            f"{counts['already_current']} already under the newest key, {counts['undecryptable']} undecryptable."
        )
        if counts["undecryptable"]:
            raise CommandError(
                f"{counts['undecryptable']} secrets cannot be decrypted with any key in {KEYS_VARIABLE}: "
                "do not remove old keys; restore the missing key and run this again."
            )
