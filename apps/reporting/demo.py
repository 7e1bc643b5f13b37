"""Demo data for `make run` (idempotent): fold what the demo seeded into the dashboard's rollup and publish what
is posted, so the dashboard and the reporting store show the demo at once (the schedules keep them current)."""

from apps.reporting.services.publication import publish_changes
from apps.reporting.services.rollup import ops_rollup


def seed(stdout) -> None:
    folded = ops_rollup()
    result = publish_changes(trigger="demo")
    stdout.write(f"reporting: {folded} ledger entries folded into the dashboard, {result.written} fact rows written")
