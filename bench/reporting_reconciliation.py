#!/usr/bin/env python
"""Reconciliation benchmark: one entity and month of 100,000 lines (20,000 documents × 5 lines) against a real
Odoo sandbox process (17) holding their 20,000 posted journal entries, read live in pages over XML-RPC.

    python bench/reporting_reconciliation.py                  # writes the reconciliation rows of "Reporting"
    python bench/reporting_reconciliation.py --documents 2000 --no-write

The console database is a fresh SQLite file (temporary data directory). Documents, ledger postings and the
reporting store are made directly (bulk inserts, batched ledger appends, one publication); the entries are
created in the sandbox with list creates of 500 and posted in batches. Then `reconciliation_execute` runs once
(timed): received and ledger sides from the database, Odoo in pages of 2,000 entries by company and period,
the store side, the comparison and the record of the run. It must find zero differences.
Target (issue 9): ≤ 60 s for a 100,000-line period, Odoo read in pages included.
"""

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
import xmlrpc.client
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REPORTING_DATABASE_URL", None)  # the store: a second SQLite file in the temporary DATA_DIR
os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="bench-recon-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integration_console.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DEBUG", "false")

SIDES = ("received", "ledger", "odoo", "reporting")
MISC_JOURNAL, EXPENSE_ACCOUNT, PAYABLE_ACCOUNT = 6, 23, 17  # company 2 (FR) in the sandbox seed


def odoo_entries(sb, documents) -> float:
    """Create and post one entry per document in the sandbox (as the flow would have); returns seconds."""
    proxy = xmlrpc.client.ServerProxy(f"{sb.url}/xmlrpc/2/object", allow_none=True)

    def call(model, method, *args, **kw):
        return proxy.execute_kw(sb.database, sb.admin_uid, sb.password, model, method, list(args), kw)

    started = time.perf_counter()
    for start in range(0, len(documents), 500):
        chunk = documents[start : start + 500]
        vals = []
        for d in chunk:
            lines = d.canonical["lines"]
            debits = [(0, 0, {"account_id": EXPENSE_ACCOUNT, "name": line["id"], "debit": float(line["amount"]),
                              "credit": 0.0}) for line in lines]  # fmt: skip
            credit = (0, 0, {"account_id": PAYABLE_ACCOUNT, "name": d.source_id, "debit": 0.0,
                             "credit": float(sum(float(line["amount"]) for line in lines))})  # fmt: skip
            vals.append({"journal_id": MISC_JOURNAL, "date": lines[0]["date"], "ref": d.idempotency_key,
                         "move_type": "entry", "line_ids": [*debits, credit]})  # fmt: skip
        ids = call("account.move", "create", vals)
        call("account.move", "action_post", ids)
        for d, move_id in zip(chunk, ids, strict=True):
            d.odoo_ids = [move_id]
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=20_000)
    parser.add_argument("--lines", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("migrate", database="reporting", verbosity=0)
    from apps.access.services import user_ensure
    from apps.connectors.services.connectors import connector_create
    from apps.documents.models import Document
    from apps.reporting.models import ReconciliationRun
    from apps.reporting.services.publication import publish_changes
    from apps.reporting.services.reconciliation import reconciliation_execute
    from bench import _reporting_data as data
    from sandbox.odoo.testing import run_sandbox

    fr = data.entity()
    data.master_data(fr)
    start = dt.date(2026, 11, 1)
    started = time.perf_counter()
    documents = data.documents(fr, args.documents, args.lines, start=start, with_lines=True, taxed=False)
    with run_sandbox(version=17, data_dir=Path(os.environ["DATA_DIR"]) / "odoo") as sb:
        build_odoo = odoo_entries(sb, documents)
        Document.objects.bulk_update(documents, ["odoo_ids"], batch_size=2000)
        data.ledger_postings(fr, documents)
        publish_changes()
        build = time.perf_counter() - started
        admin = user_ensure(
            reason="benchmark user", username="bench-it", password="bench-password-1", role="integration_admin"
        )
        connector_create(
            actor=admin,
            data={
                "slug": "odoo",
                "name": "odoo",
                "kind": "odoo",
                "adapter": "odoo",
                "base_url": sb.url,
                "database": sb.database,
                "protocol": "xmlrpc",
                "options": {"login": sb.login, "timeout": 60},
            },
            entities=[fr],
            reason="bench",
            initial_secret=sb.password,
            initial_secret_kind="password",
        )
        run = ReconciliationRun.objects.create(entity=fr, period_start=start, period_end=dt.date(2026, 11, 30))
        started = time.perf_counter()
        cpu = time.process_time()
        run = reconciliation_execute(run.pk)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    lines = args.documents * args.lines
    summary = run.summary
    print(
        f"build {build:.1f} s (Odoo entries {build_odoo:.1f} s); reconciliation of {lines:,} lines: {seconds:.1f} s "
        f"(console CPU {cpu:.1f} s), {summary['odoo_calls']} Odoo calls, {summary['odoo_ms'] / 1000:.1f} s in Odoo; "
        f"differences {run.differences_count}; sides {[summary[s]['count'] for s in SIDES]}"
    )
    ok = run.differences_count == 0 and seconds <= 60
    if not args.no_write:
        from bench._reporting_results import write_rows

        when = (
            f"{dt.date.today()} on {platform.node()} ({os.cpu_count()} cores, SQLite, Odoo sandbox 17 over XML-RPC, "
            f"load average {os.getloadavg()[0]:.1f} from other work on the machine)"
        )
        rows = [
            f"| Reconciliation of one entity and month (received ↔ ledger ↔ Odoo ↔ store) | {lines:,} lines, "
            f"{args.documents:,} documents and entries | **{seconds:.1f} s** ({summary['odoo_calls']} Odoo calls, "
            f"{summary['odoo_ms'] / 1000:.1f} s waiting for Odoo), {run.differences_count} differences | ≤ 60 s |"
        ]
        write_rows("reconciliation", when, "python bench/reporting_reconciliation.py", rows)
    print("target ≤ 60 s with zero differences:", "MEETS" if ok else "MISSES")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
