#!/usr/bin/env python
"""Reporting publication benchmark: lines per second into the reporting store, on SQLite and on PostgreSQL.

    python bench/reporting_publication.py                    # both databases; writes the publication rows
    python bench/reporting_publication.py --db sqlite --documents 4000 --no-write

Each database is fresh: SQLite — console and store are two files in a temporary data directory; PostgreSQL —
BENCH_REPORTING_PUB_DB (default ic_bench_reporting_pub) for the console and the same name + `_store` for the
reporting store (REPORTING_DATABASE_URL), both dropped and re-created. The store is the `reporting` alias.
20,000 posted documents × 5 lines (100,000 lines) with master data are inserted directly, then:
1. first publication (every row inserted, one batch ledgered per 2,000 documents);
2. the same publication again (nothing changed: nothing written — the idempotency check);
3. every document confirmed (as the status check does) and published again: every row's status changes and each
   document moves confirmed → published through the documents app's transition (one ledger entry each).
Target (issue 9): ≥ 20,000 lines/s into SQLite and into PostgreSQL.
"""

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = os.environ.get("BENCH_REPORTING_PUB_DB", "ic_bench_reporting_pub")
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def setup(db: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integration_console.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DEBUG", "false")  # as in production: no query log kept per statement
    os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="bench-reporting-")  # never the developer's var/
    if db == "postgres":
        import psycopg

        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            for name in (DB, f"{DB}_store"):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"{SERVER}/{DB}"
        os.environ["REPORTING_DATABASE_URL"] = f"{SERVER}/{DB}_store"
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("REPORTING_DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    for alias in settings.DATABASES:
        call_command("migrate", database=alias, verbosity=0)


def measure(documents: int, lines: int) -> dict:
    from apps.documents.models import Document
    from apps.reporting.services.publication import publish_changes
    from bench import _reporting_data as data

    fr = data.entity()
    data.master_data(fr)
    data.documents(fr, documents, lines, start=dt.date(2026, 11, 1))
    out = {}
    started, cpu = time.perf_counter(), time.process_time()
    first = publish_changes()
    out["first"] = (first.inserted, time.perf_counter() - started)
    out["first_cpu"] = time.process_time() - cpu
    started = time.perf_counter()
    again = publish_changes()
    out["again"] = (again.rows_seen, time.perf_counter() - started, again.written)
    Document.objects.update(state="confirmed")  # what reimbursement_status_check does, one transition at a time
    started = time.perf_counter()
    confirmed = publish_changes()
    out["confirmed"] = (confirmed.updated, time.perf_counter() - started, confirmed.published)
    return out


def run_one(db: str, documents: int, lines: int) -> dict:
    setup(db)
    from django.db import connections

    from apps.reporting.router import store_alias

    result = measure(documents, lines)
    vendor = connections[store_alias()].vendor
    print(f"{db} (store: {store_alias()} on {vendor}): {result}", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgres"))
    parser.add_argument("--documents", type=int, default=20_000)
    parser.add_argument("--lines", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.db:
        result = run_one(args.db, args.documents, args.lines)
        print("RESULT", repr(result), flush=True)
        return 0
    rows, ok = [], True
    for db in ("sqlite", "postgres"):
        output = subprocess.run(
            [sys.executable, __file__, "--db", db, "--documents", str(args.documents), "--lines", str(args.lines)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        ).stdout
        print(output, end="")
        result = eval(next(line for line in output.splitlines() if line.startswith("RESULT"))[7:])  # noqa: S307
        inserted, seconds = result["first"]
        seen, again_s, written = result["again"]
        updated, confirmed_s, published = result["confirmed"]
        ok &= inserted / seconds >= 20_000
        name = "SQLite" if db == "sqlite" else "PostgreSQL"  # the store is its own database (`reporting` alias)
        load = os.getloadavg()[0]
        rows += [
            f"| Publication into {name} (store in its own database): first run (insert) | {inserted:,} lines | "
            f"{seconds:.2f} s, "
            f"**{inserted / seconds:,.0f} lines/s** (console CPU {result['first_cpu']:.2f} s: "
            f"{inserted / result['first_cpu']:,.0f} lines per CPU-second; load average {load:.1f}) "
            "| ≥ 20,000 lines/s |",
            f"| Publication into {name}: again, nothing changed | {seen:,} lines read, {written} written | "
            f"{again_s:.2f} s, {seen / again_s:,.0f} lines/s | writes nothing |",
            f"| Publication into {name}: every document confirmed → rows updated + documents published | "
            f"{updated:,} lines, {published:,} documents | {confirmed_s:.2f} s, "
            f"{updated / confirmed_s:,.0f} lines/s | — |",
        ]  # fmt: skip
    if not args.no_write:
        from bench._reporting_results import write_rows

        when = f"{dt.date.today()} on {platform.node()} ({os.cpu_count()} cores, Python {platform.python_version()})"
        write_rows("publication", when, "python bench/reporting_publication.py", rows)
    print("target ≥ 20,000 lines/s:", "MEETS" if ok else "MISSES")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
