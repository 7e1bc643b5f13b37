#!/usr/bin/env python
"""Webhook intake counted in instructions: what one delivery costs the web process, whatever else the machine does.

    python bench/intake_instructions.py [--deliveries 200] [--backends sqlite,postgres] [--no-write]

Timed figures on a shared 2-core machine moved by a third between runs of the same code (steal time, the other
core's load); callgrind counts the instructions a process executes, which does not depend on what else runs. For
each backend: a fresh database with the demo connector (as bench/webhook_intake.py does), then one process —
Django and the real WSGI application, hooks handler included — answers warm-up deliveries and then N more, under
`valgrind --tool=callgrind`. It runs twice, with N = 0 and N = --deliveries; the difference over N is one
delivery: signature, schema, the document with its line, ledger entry and delivery id committed, the enqueue, the
JSON answer. Every delivery must be answered 202 and stored, or the run fails. Counted: this process only, so
SQLite's own work is in the figure and the PostgreSQL server's is not. A yardstick to compare changes by; the
timed target (≥ 500 req/s, p99 ≤ 50 ms) is bench/webhook_intake.py's. Writes the "## Webhook intake: instructions"
section of bench/RESULTS.md unless --no-write.
"""

import argparse
import json
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import webhook_intake as intake  # noqa: E402 (the timed bench: the same database set-up and deliveries)

SECTION = "## Webhook intake: instructions"
WARM_UP = 30

# Runs inside valgrind: deliveries through the WSGI application, each one checked.
CHILD = r"""
import io, json, os, sys, time
sys.path[:0] = [os.getcwd(), os.path.join(os.getcwd(), "bench")]  # run from the checkout's root
import django
django.setup()
from django.core.wsgi import get_wsgi_application
from integration_console.wsgi_hooks import route_hooks
from webhook_intake import SECRET, report
from apps.documents.webhooks import sign

app, run, count = route_hooks(get_wsgi_application()), sys.argv[1], int(sys.argv[2])
for n in range(count):
    body = json.dumps(report(n, run), separators=(",", ":")).encode()
    headers = sign(SECRET, f"msg_{run}_{n}", int(time.time()), body)
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/hooks/demo-platform/", "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "CONTENT_LENGTH": str(len(body)),
               "CONTENT_TYPE": "application/json", "HTTP_HOST": "127.0.0.1:8000",
               **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}}
    answer = {}
    content = b"".join(app(environ, lambda status, h, exc=None: answer.update(status=status)))
    if not answer["status"].startswith("202"):
        sys.exit(f"delivery {n} answered {answer['status']}: {content[:300]!r}")
"""


def instructions(env: dict, run: str, count: int, workdir: Path) -> int:
    script = workdir / "deliver.py"
    script.write_text(CHILD)
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={workdir / 'callgrind.out'}",
               str(intake.PY), str(script), run, str(count)]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "integration_console.settings"},
                          capture_output=True, text=True)  # fmt: skip
    total = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode or not total:
        raise RuntimeError(f"the deliveries under valgrind failed:\n{done.stderr[-2000:]}")
    return int(total.group(1).replace(",", ""))


def measure(backend: str, deliveries: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="ic-instructions-") as tmp:
        workdir = Path(tmp)
        env = intake.prepare(backend, workdir)
        base = instructions(env, "warm", WARM_UP, workdir)
        more = instructions(env, "more", WARM_UP + deliveries, workdir)
        stored = intake.verify(env)
    expected = 2 * WARM_UP + deliveries
    if stored["documents"] != expected or stored["ledger"] != expected:
        raise RuntimeError(f"{backend}: {stored} stored, {expected} deliveries answered 202")
    return {"backend": backend, "per_delivery": (more - base) / deliveries, "base": base, "more": more}


def section(results: list[dict], deliveries: int) -> str:
    rows = "\n".join(
        f"| {r['backend']} | {r['per_delivery'] / 1e6:.2f} M | {r['base']:,} | {r['more']:,} |" for r in results
    )
    return f"""{SECTION}

Measured {date.today():%Y-%m-%d} on {platform.node()} ({platform.machine()}, Python {platform.python_version()}) with
`python bench/intake_instructions.py --deliveries {deliveries}`: instructions of the web process per webhook
delivery (callgrind; {WARM_UP} warm-up deliveries, then {deliveries} more; the difference of the two runs over
{deliveries}). The same on any load, so two commits compare even when timed figures do not; PostgreSQL's server
work is not counted (it runs in its own process), SQLite's is.

| Database | Instructions per delivery | {WARM_UP} deliveries | {WARM_UP + deliveries} deliveries |
|---|---:|---:|---:|
{rows}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        print("needs valgrind (Debian: apt-get install -y valgrind)", file=sys.stderr)
        return 2
    results = [measure(backend, args.deliveries) for backend in args.backends.split(",")]
    text = section(results, args.deliveries)
    print(text)
    for r in results:
        summary = {"measure": f"webhook intake, {r['backend']}, instructions per delivery",
                   "result": f"{r['per_delivery'] / 1e6:.2f} M", "target": "(a yardstick)", "met": None}  # fmt: skip
        print("BENCH_SUMMARY " + json.dumps(summary, ensure_ascii=False), flush=True)
    if not args.no_write:
        intake.write_section(text, SECTION)
    return 0


if __name__ == "__main__":
    sys.exit(main())
