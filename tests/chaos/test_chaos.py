"""The chaos suite at CI size, with real processes: the console under gunicorn, two qcluster workers on Redis, the
Odoo sandbox 17 and its own PostgreSQL database. 200 reports arrive through signed webhooks (1–3 deliveries
each, some concurrent) while workers are SIGKILLed (once right after Odoo committed an entry), Odoo is
unreachable for 10 s and a 429 storm passes. After the drain: nothing posted twice, nothing lost, ledger valid.

The run is scripts/chaos.py in a child process (≤ 225 s; the full size is `make chaos`). CI runs the suite
twice (SQLite, then PostgreSQL); the chaos run has its own PostgreSQL database whatever the suite's, so it runs
once, in the PostgreSQL pass.
"""

import json
import os
import signal
import subprocess
import sys

import pytest

from tests.chaos.stack import ROOT, postgres_answers, redis_answers
from tests.services import required_service

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.qcluster]
DEADLINE = 225  # seconds for the whole run; the test waits 15 s more for its clean-up


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
        "postgres://postgres@127.0.0.1:5432/ic_chaos_ci",
        "--redis",
        "redis://127.0.0.1:6379/14",
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
    return code, figures, out.read_text(errors="replace")


def test_chaos_run_posts_every_report_once_and_loses_none(tmp_path):
    if os.environ.get("RUN_CHAOS") != "1":
        # Opt-in until its timing is proven on CI machines (it kills workers and takes Odoo down for real).
        pytest.skip("the chaos run is opt-in: RUN_CHAOS=1 or `make chaos`")
    required_service("postgres", postgres_answers(), "nothing answers on 127.0.0.1:5432")
    required_service("redis", redis_answers(), "nothing answers on 127.0.0.1:6379")
    if os.environ.get("CI") and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("CI runs the chaos suite once, in the PostgreSQL pass")
    code, figures, output = run_chaos(tmp_path)
    tail = output[-6000:]
    assert code == 0, tail
    verdict, chaos = figures["verdict"], figures["traffic"]["chaos"]
    assert (verdict["duplicates"], verdict["lost"], verdict["ledger"]["ok"]) == (0, 0, True), tail
    assert verdict["posted"] + verdict["held"] + verdict["dead_lettered"] + verdict["rejected"] == 200, tail
    assert figures["traffic"]["accepted"] == 200 and figures["traffic"]["server_errors"] == 0, tail
    assert chaos["kills"] >= 3 and chaos["window_kills"] >= 2 and chaos["restarts"] >= chaos["kills"], tail
    assert chaos["storms"] == 1 and chaos["outages"] == 1 and chaos["drops_fired"] >= 1, tail
