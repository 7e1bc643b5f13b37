"""verify_ledger [--from SEQ] [--anchors FILE] [--no-record]: recompute the hash chain.

Exit 0 and print the count and head hash when the chain holds; exit 1 and print the first broken sequence
and why (content changed, entry missing, order changed, payload missing, anchor mismatch) when it does not.
"""

from django.core.management.base import BaseCommand, CommandError

from apps.ledger.anchoring import AnchorFileError
from apps.ledger.operations import ledger_verify


class Command(BaseCommand):
    help = "Recompute the ledger's hash chain (and check it against exported anchors)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="from_sequence", type=int, default=1, help="first sequence to check")
        parser.add_argument("--anchors", dest="anchors", help="anchors file (JSON lines) to check against")
        parser.add_argument("--no-record", action="store_true", help="do not record the result in the ledger")

    def handle(self, *args, from_sequence, anchors, no_record, **options):
        if from_sequence < 1:
            raise CommandError("--from must be 1 or more")
        try:
            result = ledger_verify(
                from_sequence=from_sequence, anchors_file=anchors, record=not no_record, actor="verify_ledger"
            )
        except AnchorFileError as error:
            raise CommandError(str(error)) from None
        if result.ok:
            self.stdout.write(f"OK {result.count} entries verified (from #{result.from_sequence})")
            self.stdout.write(f"head #{result.head_sequence} {result.head_hash}")
            if anchors:
                self.stdout.write(f"{result.anchors_checked} anchors match")
            return
        self.stderr.write(f"BROKEN at sequence {result.broken_sequence}: {result.problem}")
        self.stderr.write(result.detail)
        raise SystemExit(1)
