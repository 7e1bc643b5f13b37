#!/usr/bin/env python
"""Chaos run with real processes: prove "nothing posted twice, nothing lost, ledger intact" under failures.

    .venv/bin/python scripts/chaos.py                      # CI size: 200 reports, 3 kills, 10 s outage
    .venv/bin/python scripts/chaos.py --reports 2000       # full size: 12 kills, 30 s outage (make chaos)
    [--seed N] [--rate R] [--kills K] [--outage S] [--deadline S] [--json FILE] [--workdir DIR]

Starts: a dedicated PostgreSQL database (ic_chaos, dropped and re-created, migrated, `seed_demo`), a Redis db
(flushed; the django-q2 broker), the Odoo sandbox 17, the console under gunicorn (2 workers) and two
`manage.py qcluster` workers. While the reports flow in through signed webhooks (each delivered 1–3 times, some
concurrently), it SIGKILLs workers at random moments and once (twice at full size) between Odoo's commit and
ours, arms the sandbox's drop-after-commit, makes Odoo unreachable and sends a 429 storm with Retry-After.
Then it lets the queue and the retry sweep (the django-q2 schedule, every minute) drain, and judges: 0
duplicate postings in Odoo, 0 lost documents, the ledger chain valid (tests/chaos/verdict.py). Prints the
figures; exit 0 when every invariant held, 1 when one broke, 2 when the run itself could not be set up.

Bounded everywhere: an overall deadline (default scales with --reports), every wait has its own limit, every
process it started is stopped (process groups) even on failure or SIGTERM. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import threading
import time
import traceback
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sandbox.odoo.testing import run_sandbox  # noqa: E402
from tests.chaos import stack, traffic  # noqa: E402
from tests.chaos.monkey import Monkey, OdooProbe, chaos_plan  # noqa: E402

WEBHOOK_SECRET = "whsec_" + "Y2hhb3MtcnVuLXdlYmhvb2stc2VjcmV0LTAxMjM0NTY3"
SOURCE_CONNECTOR = "demo-platform"
Q_TIMEOUT = 20  # seconds; the posting lease is Q_TIMEOUT + 2 (apps/sync/services/holds.posting_lease)
VERDICT_RESERVE = 45  # seconds kept for the verdict and the clean-up at the end of the deadline

_print_lock = threading.Lock()
_t0 = time.monotonic()


def say(message: str) -> None:
    with _print_lock:
        print(f"[{time.monotonic() - _t0:7.1f}s] {message}", flush=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--rate", type=float, default=None, help="reports per second (default 8, 10 from 1,000)")
    parser.add_argument("--kills", type=int, default=None, help="workers killed (default 3, or 12 from 1,000)")
    parser.add_argument("--outage", type=float, default=None, help="seconds Odoo is unreachable (10, or 30)")
    parser.add_argument("--deadline", type=float, default=None, help="overall limit in seconds")
    parser.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/ic_chaos")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--workdir", default=str(ROOT / "var" / "chaos"))
    parser.add_argument("--json", dest="json_path", default="")
    opts = parser.parse_args(argv)
    full = opts.reports >= 1000
    opts.rate = opts.rate or (10.0 if full else 8.0)
    opts.kills = opts.kills if opts.kills is not None else (12 if full else 3)
    opts.window_kills = 2 if full else 1
    opts.outage = opts.outage if opts.outage is not None else (30.0 if full else 10.0)
    opts.storm = 200 if full else 40
    # set-up ~30 s, traffic, then the drain: retries back off 30 s × 2^n and the sweep runs once a minute
    opts.deadline = opts.deadline or 110 + opts.reports / opts.rate + (420 if full else 90)
    if opts.kills < 2 * opts.window_kills:
        parser.error(f"--kills must be at least {2 * opts.window_kills} (a window kill kills both workers)")
    return opts


def _terminate(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")


def django_setup(env: dict) -> None:
    """This process reads the run's database too (progress, verdict): the same settings as the children."""
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DATA_DIR", "DEBUG", "Q_TIMEOUT", "Q_RETRY"):
        os.environ[name] = env[name]
    import django

    django.setup()


def prepare(opts, stack_: ExitStack, workdir: Path, deadline: float) -> dict:
    """Database, broker, sandbox, migrate, seed: everything before the first process of the console."""
    logs = workdir / "logs"
    shutil.rmtree(workdir / "sandbox", ignore_errors=True)
    shutil.rmtree(workdir / "data", ignore_errors=True)
    shutil.rmtree(logs, ignore_errors=True)  # each run's logs on their own (services append across restarts)
    logs.mkdir(parents=True)
    (workdir / "data").mkdir()
    sandbox = stack_.enter_context(run_sandbox(version=17, data_dir=workdir / "sandbox"))
    say(f"sandbox 17 on {sandbox.url}")
    env = stack.child_env(
        db_url=opts.db,
        redis_url=opts.redis,
        data_dir=workdir / "data",
        sandbox_url=sandbox.url,
        webhook_secret=WEBHOOK_SECRET,
        q_timeout=Q_TIMEOUT,
    )
    stack.database_recreate(opts.db)
    stack.redis_flush(opts.redis)
    stack.manage(["migrate", "--noinput"], env=env, log=logs / "migrate.log", timeout=_left(deadline, 180))
    reporting = ["migrate", "--noinput", "--database", "reporting"]  # the store: a file in the run's DATA_DIR
    stack.manage(reporting, env=env, log=logs / "migrate-reporting.log", timeout=_left(deadline, 60))
    say("database migrated")
    stack.manage(["seed_demo"], env=env, log=logs / "seed.log", timeout=_left(deadline, 120))
    say("demo data seeded (connectors, US/FR/DE mappings, flow demo-expenses)")
    django_setup(env)
    _check_seed()
    stack.redis_flush(opts.redis)  # seeding queued tasks (master-data refreshes…) that are not this run's
    return {"sandbox": sandbox, "env": env, "logs": logs}


def _check_seed() -> None:
    from django_q.models import Schedule

    from apps.sync.models import Flow
    from apps.sync.services.schedules import SWEEP_NAME

    flow = Flow.objects.get(slug="demo-expenses")
    if not (flow.enabled and flow.source.slug == SOURCE_CONNECTOR and flow.trigger == "webhook"):
        raise RuntimeError("seed_demo did not create the enabled webhook flow demo-expenses")
    if not Schedule.objects.filter(name=SWEEP_NAME).exists():
        raise RuntimeError(f"the schedule {SWEEP_NAME!r} is missing after migrate")


def _left(deadline: float, cap: float) -> float:
    left = deadline - time.monotonic()
    if left <= 5:
        raise TimeoutError("the overall deadline was reached")
    return min(cap, left)


def start_console(ctx: dict, stack_: ExitStack, pidfile, deadline: float) -> tuple:
    port = stack.free_port()
    env, logs = ctx["env"], ctx["logs"]
    web = stack.web_service(port, env=env, log=logs / "web.log", pidfile=pidfile).start()
    stack_.callback(web.stop)
    clusters = []
    for index in (1, 2):
        cluster = stack.cluster_service(index, env=env, log=logs / f"qcluster-{index}.log", pidfile=pidfile).start()
        stack_.callback(cluster.stop)
        clusters.append(cluster)
    if not stack.wait_http(f"http://127.0.0.1:{port}/healthz", _left(deadline, 60)):
        raise RuntimeError(f"gunicorn did not answer on port {port}: {(logs / 'web.log').read_text()[-1500:]}")
    for cluster in clusters:
        if not stack.wait_log(cluster.log, "running", _left(deadline, 60)):
            raise RuntimeError(f"{cluster.name} did not start: {cluster.log.read_text()[-1500:]}")
    say(f"console under gunicorn on 127.0.0.1:{port} (2 workers), 2 qcluster workers (Redis broker)")
    return f"http://127.0.0.1:{port}/hooks/{SOURCE_CONNECTOR}/", clusters


def storm_and_traffic(opts, ctx, clusters, url: str, run: str, deadline: float) -> dict:
    """Deliver the reports while the monkey does its work; both bounded. Returns the traffic figures."""
    items = traffic.reports(opts.reports, seed=opts.seed, run=run)
    plan = traffic.delivery_plan(items, seed=opts.seed, rate=opts.rate)
    duration = opts.reports / opts.rate
    events = chaos_plan(
        duration=duration,
        kills=opts.kills,
        window_kills=opts.window_kills,
        outage=opts.outage,
        storm=opts.storm,
        seed=opts.seed,
    )
    say(
        f"traffic: {len(items)} reports, {len(plan)} deliveries over ~{duration:.0f} s; chaos: "
        + ", ".join(f"{e.kind}@{e.at:.0f}s" for e in events)
    )
    sender = traffic.Sender(url, WEBHOOK_SECRET)
    monkey = Monkey(
        events,
        clusters=clusters,
        sandbox=ctx["sandbox"],
        odoo=OdooProbe(ctx["sandbox"]),
        deadline=deadline - VERDICT_RESERVE,
        seed=opts.seed,
        log=say,
    )
    monkey.start()
    seconds = sender.run(plan, deadline=deadline - VERDICT_RESERVE)
    say(f"traffic done in {seconds:.1f} s; waiting for the last chaos events")
    monkey.join(timeout=max(1.0, deadline - VERDICT_RESERVE - time.monotonic()))
    monkey.stopping.set()
    monkey.join(timeout=30)
    injected = ctx["sandbox"].stats()["faults_injected"]  # read before the clear resets the counter
    monkey.figures["drops_fired"] = monkey.drops_fired()
    ctx["sandbox"].clear_faults()
    figures = traffic.summary(plan, sender.answers)
    figures.update(
        traffic_seconds=round(seconds, 1),
        retried_deliveries=sender.retried,
        server_errors=sender.server_errors,
        chaos=monkey.figures,
        faults_injected=injected,
    )
    return figures


def drain(run: str, clusters, deadline: float) -> tuple[bool, float]:
    """Wait (bounded) until every document of the run is posted, held, dead-lettered or rejected."""
    from django.db import connections

    from tests.chaos.verdict import document_states, unsettled

    started, last_print = time.monotonic(), 0.0
    limit = deadline - VERDICT_RESERVE
    while True:
        for cluster in clusters:  # a worker that died on its own is restarted (and said so)
            if not cluster.alive:
                say(f"{cluster.name} exited by itself (code {cluster.process.returncode}); restarting it")
                cluster.start()
        states = document_states(run)
        connections.close_all()
        waiting = unsettled(states)
        if time.monotonic() - last_print >= 10 or not waiting:
            say(f"drain: {dict(sorted(states.items()))}")
            last_print = time.monotonic()
        if not waiting:
            return True, time.monotonic() - started
        if time.monotonic() >= limit:
            say(f"drain: {waiting} document(s) still moving at the deadline")
            return False, time.monotonic() - started
        time.sleep(2)


def sweeps_run() -> int:
    from django_q.models import Task

    from apps.sync.services.schedules import SWEEP_FUNC

    return Task.objects.filter(func=SWEEP_FUNC).count()


def figures_table(result: dict) -> str:
    t, v, chaos = result["traffic"], result["verdict"], result["traffic"]["chaos"]
    rows = [
        ("reports", result["reports"]),
        ("deliveries", f"{t['deliveries_answered']} of {t['deliveries_planned']} answered {t['answers']}"),
        ("accepted reports", t["accepted"]),
        (
            "kills (SIGKILL)",
            f"{chaos['kills']} ({chaos['window_kills']} between Odoo's commit and ours, "
            f"{chaos['window_hits']} document(s) caught there)",
        ),
        (
            "faults",
            f"{chaos['storms']} 429 storm, {chaos['outages']} outage, {chaos['drops_fired']} drop-after-commit; "
            f"{t['faults_injected']} requests hit",
        ),
        ("retry sweeps run", result["sweeps"]),
        ("posted", v["posted"]),
        ("held", v["held"]),
        ("dead-lettered", v["dead_lettered"]),
        ("rejected", v["rejected"]),
        ("lost", v["lost"]),
        ("duplicates in Odoo", v["duplicates"]),
        ("ledger chain", "valid" if v["ledger"]["ok"] else "BROKEN"),
        ("reconciliation", _recon_text(v["reconciliation"])),
        ("elapsed", f"{result['elapsed']:.0f} s (traffic {t['traffic_seconds']:.0f} s, drain {result['drain']:.0f} s)"),
        ("docs/s", f"{result['docs_per_s']:.1f} (settled documents / (traffic + drain))"),
    ]
    return "\n".join(f"  {name:<22} {value}" for name, value in rows)


def _recon_text(recon: dict) -> str:
    if not recon.get("available"):
        return f"unavailable ({recon.get('error', '')[:120]}); counted directly"
    return f"faults {recon['faults'] or 'none'}; all differences {recon['differences'] or 'none'}"


def run_chaos(opts) -> dict:
    from tests.chaos import verdict

    deadline = time.monotonic() + opts.deadline
    workdir = Path(opts.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    reaped = stack.reap_stale(workdir / "pids.json")
    if reaped:
        say(f"ended {reaped} process group(s) a previous run left behind")
    pidfile = stack.PidFile(workdir / "pids.json")
    run = time.strftime("%H%M%S")
    with ExitStack() as stack_:
        ctx = prepare(opts, stack_, workdir, deadline)
        url, clusters = start_console(ctx, stack_, pidfile, deadline)
        began = time.monotonic()
        figures = storm_and_traffic(opts, ctx, clusters, url, run, deadline)
        drained, drain_seconds = drain(run, clusters, deadline)
        accepted = set(figures.pop("accepted_reports"))
        figures["accepted"] = len(accepted)
        result = {
            "reports": opts.reports,
            "seed": opts.seed,
            "run": run,
            "drained": drained,
            "traffic": figures,
            "drain": round(drain_seconds, 1),
            "sweeps": sweeps_run(),
        }
        settled_seconds = time.monotonic() - began
        say("judging: Odoo read back over XML-RPC, documents, worklist, verify_ledger, reconciliation")
        result["verdict"] = verdict.judge(
            run=run, accepted=accepted, odoo=OdooProbe(ctx["sandbox"]), env=ctx["env"], log=say
        )
        settled = result["verdict"]["documents"] - result["verdict"]["lost"]
        result["docs_per_s"] = round(settled / settled_seconds, 2) if settled_seconds else 0.0
        result["ok"] = drained and result["verdict"]["ok"] and figures["server_errors"] == 0
        from django.db import connections

        connections.close_all()
    return result


def main(argv=None) -> int:
    opts = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    say(
        f"chaos run: {opts.reports} reports, {opts.kills} kills, {opts.outage:.0f} s outage, "
        f"deadline {opts.deadline:.0f} s, seed {opts.seed}"
    )
    try:
        result = run_chaos(opts)
    except (Exception, SystemExit) as error:  # noqa: BLE001 - report why the run itself failed, after clean-up
        traceback.print_exc()
        say(f"chaos run could not complete: {type(error).__name__}: {error}")
        _write(opts, {"ok": False, "error": f"{type(error).__name__}: {error}"})
        return 2
    result["elapsed"] = round(time.monotonic() - _t0, 1)
    print(figures_table(result))
    verdict = result["verdict"]
    for label, items in (
        ("lost", verdict["lost_examples"]),
        ("duplicates", list(verdict["odoo"]["duplicates"])),
        ("Odoo disagrees", verdict["odoo"]["disagreements"][:20]),
        ("duplicate external ids", verdict["odoo"]["duplicate_external_ids"][:20]),
    ):
        for item in items:
            print(f"  {label}: {item}")
    if not verdict["ledger"]["ok"]:
        print(f"  ledger: {verdict['ledger']['output']}")
    print(f"CHAOS {'PASSED' if result['ok'] else 'FAILED'}", flush=True)
    _write(opts, result)
    return 0 if result["ok"] else 1


def _write(opts, result: dict) -> None:
    if opts.json_path:
        Path(opts.json_path).write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    sys.exit(main())
