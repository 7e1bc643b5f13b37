"""`manage.py demo_pay [KEY …] [--limit N] [--no-status]`: pay posted documents in the Odoo sandbox, then run
the reimbursement status flow so they show up as confirmed and their platform hears about it (sandbox only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.reporting.demo import DemoPayError, demo_pay
from apps.reporting.services.status import reimbursement_status_check


class Command(BaseCommand):
    help = "Mark posted documents paid in the Odoo sandbox and send the status back (ENVIRONMENT=sandbox only)."

    def add_arguments(self, parser):
        parser.add_argument("keys", nargs="*", help="idempotency keys or platform ids (default: the oldest posted)")
        parser.add_argument("--limit", type=int, default=5, help="how many to pay when no key is given")
        parser.add_argument("--no-status", action="store_true", help="leave the status flow to its schedule")

    def handle(self, *args, **options):
        if settings.ENVIRONMENT != "sandbox":
            raise CommandError("demo_pay works in the sandbox only.")
        try:
            paid = demo_pay(keys=options["keys"], limit=options["limit"], token=settings.ODOO_SANDBOX_ADMIN_TOKEN)
        except DemoPayError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"paid in the Odoo sandbox: {', '.join(f'{d.source_id} ({d.entity.code})' for d in paid)}")
        if options["no_status"]:
            return
        run = reimbursement_status_check(trigger="demo")
        if run is None:
            raise CommandError("A status check is already running; its schedule will pick the payments up.")
        counts = run.counts or {}
        self.stdout.write(f"status flow: {run.status}; read {counts.get('read', 0)}, confirmed "
                          f"{counts.get('confirmed', 0)}, sent back {counts.get('sent', 0)}, "
                          f"send failures {counts.get('send_failed', 0)}")  # fmt: skip
