"""manage.py run_flow <slug> [--dry-run]: run a flow now in this process, or show what it would post."""

import json

from django.core.management.base import BaseCommand, CommandError

from apps.sync.models import Flow
from apps.sync.services.dryrun import flow_dry_run
from apps.sync.services.runs import sync_run_create, sync_run_execute


class Command(BaseCommand):
    help = "Run a flow now (synchronously), or with --dry-run print the exact Odoo payloads without writing."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, slug, dry_run, **options):
        flow = Flow.objects.select_related("source", "target").filter(slug=slug).first()
        if flow is None:
            raise CommandError(f"No flow {slug!r}.")
        if dry_run:
            for item in flow_dry_run(flow=flow):
                self.stdout.write(json.dumps(item, indent=2, default=str))
            return
        run = sync_run_create(flow=flow, trigger="manual", actor="cli")
        run = sync_run_execute(run_id=run.pk) or run
        self.stdout.write(
            f"run #{run.pk} {run.status}: posted {run.posted}, duplicates {run.duplicates_skipped}, "
            f"held {run.held}, failed {run.failed}, {run.odoo_calls} Odoo calls / {run.lines} lines"
        )
