#!/usr/bin/env python
"""The whole test suite: once on SQLite, then again on PostgreSQL when DATABASE_URL is set or a server answers.

Usage: python scripts/run_tests.py [--require-postgres] [--parallel] [pytest args...]
With --require-postgres (CI), a missing PostgreSQL is a failure, not a skip.
With --parallel (CI), the PostgreSQL pass runs beside the SQLite pass instead of after it (its output is shown
when it ends): the passes share no database, and the PostgreSQL pass takes its Redis db from
REDIS_TEST_URL_POSTGRES (default: db 13 of the local Redis; the SQLite pass has REDIS_TEST_URL, the chaos run
db 14). Much of each pass waits on sockets and child processes, so together they take well under the sum.
Exits non-zero when any run fails.
"""

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

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
    parallel = "--parallel" in argv
    args = [a for a in argv if a not in ("--require-postgres", "--parallel")]
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REPORTING_DATABASE_URL")}
    postgres_url = os.environ.get("DATABASE_URL") or (LOCAL_POSTGRES if postgres_answers() else "")
    results, beside = {}, None
    if postgres_url:
        # On PostgreSQL run what depends on the database; the rest runs on SQLite and would only repeat.
        reporting_url = os.environ.get("REPORTING_DATABASE_URL") or f"{postgres_url}_reporting"
        env = {**base, "DATABASE_URL": postgres_url, "REPORTING_DATABASE_URL": reporting_url}
        if parallel:
            env["REDIS_TEST_URL"] = base.get("REDIS_TEST_URL_POSTGRES", "redis://127.0.0.1:6379/13")
            log = tempfile.NamedTemporaryFile(prefix="tests-postgres-", suffix=".log", delete=False)  # noqa: SIM115
            print(f"=== test suite on PostgreSQL: running beside SQLite, output in {log.name} ===", flush=True)
            beside = (subprocess.Popen([sys.executable, "-m", "pytest", *args, *DATABASE_FREE], env=env,
                                       stdout=log, stderr=subprocess.STDOUT), log)  # fmt: skip
    try:
        results["SQLite"] = run("SQLite", base, args)
    finally:
        if beside is not None and results.get("SQLite") is None:  # interrupted: do not leave it running
            beside[0].kill()
    if beside is not None:
        process, log = beside
        results["PostgreSQL"] = process.wait()
        log.close()
        print("\n=== test suite on PostgreSQL (ran beside SQLite) ===", flush=True)
        sys.stdout.write(Path(log.name).read_text(errors="replace"))
        Path(log.name).unlink()
    elif postgres_url:
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
