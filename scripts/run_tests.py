#!/usr/bin/env python
"""The whole test suite: once on SQLite, then again on PostgreSQL when DATABASE_URL is set or a server answers.

Usage: python scripts/run_tests.py [--require-postgres] [pytest args...]
With --require-postgres (CI), a missing PostgreSQL is a failure, not a skip.
Exits non-zero when any run fails.
"""

import os
import socket
import subprocess
import sys

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/integration_console"
# Suites that never touch the console's database (the Odoo sandbox and gateway over sockets, the contract suite
# against sandbox and real Odoo, the browser, the chaos run with its own PostgreSQL database): the PostgreSQL pass
# leaves them out.
DATABASE_FREE = [
    "--ignore=tests/chaos/test_chaos.py",
    "--ignore=tests/sandbox",
    "--ignore=tests/contract",
    "--ignore=tests/connectors/test_odoo_gateway.py",
    "--ignore=tests/connectors/test_odoo_faults.py",
    "--ignore=tests/connectors/test_odoo_profiles.py",
    "-m",
    "not browser and not odoo11",
]


def postgres_answers(host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def run(label: str, env: dict, args: list[str]) -> int:
    print(f"\n=== test suite on {label} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def main(argv: list[str]) -> int:
    require_postgres = "--require-postgres" in argv
    args = [a for a in argv if a != "--require-postgres"]
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REPORTING_DATABASE_URL")}
    results = {"SQLite": run("SQLite", base, args)}
    postgres_url = os.environ.get("DATABASE_URL") or (LOCAL_POSTGRES if postgres_answers() else "")
    if postgres_url:
        # On PostgreSQL run what depends on the database; the rest already ran above and would only repeat.
        reporting_url = os.environ.get("REPORTING_DATABASE_URL") or f"{postgres_url}_reporting"
        env = {**base, "DATABASE_URL": postgres_url, "REPORTING_DATABASE_URL": reporting_url}
        results["PostgreSQL"] = run("PostgreSQL", env, [*args, *DATABASE_FREE])
    elif require_postgres:
        print("PostgreSQL is required (--require-postgres) but none answers on 127.0.0.1:5432", file=sys.stderr)
        results["PostgreSQL"] = 1
    else:
        print("\nPostgreSQL: no server answers on 127.0.0.1:5432 and DATABASE_URL is unset; skipped that run.")
    print("\n=== summary: " + ", ".join(f"{db} {'passed' if rc == 0 else 'FAILED'}" for db, rc in results.items()))
    return 0 if all(rc == 0 for rc in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
