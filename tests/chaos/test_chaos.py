"""The chaos suite at CI size, with real processes: the console under gunicorn, two qcluster workers on Redis, the
Odoo sandbox 17 and its own PostgreSQL database. 200 reports arrive through signed webhooks (1–3 deliveries
each, some concurrent) while workers are SIGKILLed (once right after Odoo committed an entry), Odoo is
unreachable for 10 s and a 429 storm passes. After the drain: nothing posted twice, nothing lost, ledger valid.

The run is scripts/chaos.py in a child process (≤ 225 s; the full size is `make chaos`). It runs where PostgreSQL
and Redis are required (REQUIRE_POSTGRES=1 and REQUIRE_REDIS=1, as in CI) or on request (RUN_CHAOS=1); a missing
service then fails when required and skips otherwise. It never touches the suite's database: it drops and
re-creates its own (ic_chaos_ci) and flushes its own Redis db (14). scripts/run_tests.py runs it in the SQLite pass
only (the PostgreSQL pass ignores this file with the other database-free suites).
"""

import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from tests.chaos.stack import ROOT, postgres_answers, redis_answers
from tests.services import required_service

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.qcluster]
DEADLINE = 225  # seconds for the whole run; the test waits 15 s more for its clean-up
CHAOS_DB = "postgres://postgres@127.0.0.1:5432/ic_chaos_ci"
CHAOS_REDIS = "redis://127.0.0.1:6379/14"
ARTIFACTS = ROOT / "test-artifacts" / "chaos"


def wanted() -> bool:
    """Where both services are required (CI) or on request: locally it would add ~2 minutes to every suite run."""
    required = all(os.environ.get(f"REQUIRE_{name}") == "1" for name in ("POSTGRES", "REDIS"))
    return required or os.environ.get("RUN_CHAOS") == "1"


def _db_name(url: str) -> str:
    return url.rpartition("/")[2].split("?")[0]


def collides_with_suite() -> str:
    """Why the chaos databases would clash with the suite's own, or "" (the run drops its database by force)."""
    suite_db = _db_name(os.environ.get("DATABASE_URL", ""))
    if suite_db and _db_name(CHAOS_DB) in {suite_db, f"test_{suite_db}"}:
        return f"DATABASE_URL names {suite_db!r}: the chaos run drops and re-creates {_db_name(CHAOS_DB)!r}"
    redis_test = os.environ.get("REDIS_TEST_URL", "").rstrip("/")
    if redis_test and redis_test == CHAOS_REDIS:
        return f"REDIS_TEST_URL is {redis_test}: the chaos run flushes that Redis db"
    return ""


def run_chaos(tmp_path) -> tuple[int, dict, str]:
    out = tmp_path / "chaos.out"
    result = tmp_path / "chaos.json"
    argv = [
        sys.executable,
        "scripts/chaos.py",
        "--reports",
        "200",
        "--deadline",
        str(DEADLINE),
        "--json",
        str(result),
        "--workdir",
        str(tmp_path / "work"),
        "--db",
        CHAOS_DB,
        "--redis",
        CHAOS_REDIS,
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    with open(out, "wb") as log:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            code = process.wait(timeout=DEADLINE + 15)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGTERM)  # the runner stops every process it started, then exits
            try:
                code = process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                code = process.wait()
    figures = json.loads(result.read_text()) if result.exists() else {}
    keep_artifacts(out, result)
    return code, figures, out.read_text(errors="replace")


def keep_artifacts(*paths) -> None:
    """The run's output and figures outlive pytest's temporary directory (CI keeps test-artifacts/)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for path in paths:
        if path.exists():
            shutil.copyfile(path, ARTIFACTS / f"ci-{path.name}")


def test_chaos_run_posts_every_report_once_and_loses_none(tmp_path):
    if not wanted():
        pytest.skip("the chaos run needs REQUIRE_POSTGRES=1 and REQUIRE_REDIS=1 (CI) or RUN_CHAOS=1 (or `make chaos`)")
    required_service("postgres", postgres_answers(), "nothing answers on 127.0.0.1:5432")
    required_service("redis", redis_answers(), "nothing answers on 127.0.0.1:6379")
    clash = collides_with_suite()
    assert not clash, clash
    code, figures, output = run_chaos(tmp_path)
    tail = output[-6000:]
    assert code == 0, tail
    verdict, chaos = figures["verdict"], figures["traffic"]["chaos"]
    assert (verdict["duplicates"], verdict["lost"], verdict["ledger"]["ok"]) == (0, 0, True), tail
    assert verdict["posted"] + verdict["held"] + verdict["dead_lettered"] + verdict["rejected"] == 200, tail
    assert figures["traffic"]["accepted"] == 200 and figures["traffic"]["server_errors"] == 0, tail
    assert chaos["kills"] >= 3 and chaos["window_kills"] >= 2 and chaos["restarts"] >= chaos["kills"], tail
    assert chaos["storms"] == 1 and chaos["outages"] == 1 and chaos["drops_fired"] >= 1, tail
