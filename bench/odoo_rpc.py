#!/usr/bin/env python
"""Odoo RPC benchmark: calls/s and ms per call through the gateway, per protocol, sandbox and real Odoo.

    python bench/odoo_rpc.py                         # the sandbox (version 19: xmlrpc, jsonrpc, json2)
    python bench/odoo_rpc.py --real http://127.0.0.1:8069 [--db odoo11 --login admin --password admin]
    python bench/odoo_rpc.py --n 20 --no-write        # print only (by default the "Odoo RPC" section of
                                                      # bench/RESULTS.md is rewritten; ODOO11_URL adds --real)

Operations: search_read of one record (the "simple call"), single create of a 2-line journal entry, list create
of N entries (one call from Odoo 12 on, N calls on 11), posting N entries in one call, and simple calls/s from
4 threads sharing one gateway. Sequential, loopback, no rate limit.
"""

import argparse
import contextlib
import datetime
import os
import platform
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from apps.connectors.odoo import OdooConfig, OdooGateway, flows, master_data  # noqa: E402  # noqa: E402

TODAY = datetime.date.today().isoformat()


def timed(fn, repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return time.perf_counter() - started


def entry(gw, company_id: int) -> dict:
    accounts = [a for a in master_data.fetch(gw, "accounts", company_id) if a["active"]][:2]
    journal = next(j for j in master_data.fetch(gw, "journals", company_id) if j["type"] == "general")
    lines = [
        flows.MoveLine(accounts[0]["id"], "bench", debit=10.0),
        flows.MoveLine(accounts[1]["id"], "bench", credit=10.0),
    ]
    return flows.journal_entry_vals(gw.profile, journal_id=journal["id"], date=TODAY, ref="bench", lines=lines)


def threaded(gw, calls: int, threads: int = 4) -> float:
    def work():
        for _ in range(calls // threads):
            gw.search_read("res.partner", [], ["name"], limit=1)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - started


def bench_one(label: str, config: OdooConfig, n: int) -> list[tuple]:
    rows = []
    with contextlib.closing(OdooGateway(config)) as gw:
        label = f"{label} {gw.version}" if label == "real Odoo" else label
        company_id = gw.read("res.users", [gw.uid], ["company_id"])[0]["company_id"][0]
        vals = entry(gw, company_id)
        gw.search_read("res.partner", [], ["name"], limit=1)  # warm up (login, keep-alive)
        calls = n * 4
        seconds = timed(lambda: gw.search_read("res.partner", [], ["name"], limit=1), calls)
        rows.append((label, config.protocol, "search_read (1 record)", calls, calls, seconds))
        seconds = threaded(gw, calls)
        rows.append((label, config.protocol, "search_read, 4 threads", calls, calls, seconds))
        seconds = timed(lambda: gw.create("account.move", vals), n)
        rows.append((label, config.protocol, "create 1 entry (2 lines)", n, n, seconds))
        started = time.perf_counter()
        ids = gw.create("account.move", [vals] * n)
        calls = 1 if gw.profile.multi_create else n
        rows.append((label, config.protocol, f"create list of {n} entries", calls, n, time.perf_counter() - started))
        started = time.perf_counter()
        gw.post_moves(ids)
        rows.append(
            (label, config.protocol, f"{gw.profile.post_method} {n} entries", 1, n, time.perf_counter() - started)
        )
    return rows


def sandbox_targets(version: int):
    from sandbox.odoo.testing import run_sandbox

    stack = contextlib.ExitStack()
    sandbox = stack.enter_context(
        run_sandbox(version=version, data_dir=Path(stack.enter_context(tempfile.TemporaryDirectory())))
    )
    targets = []
    for protocol in ("xmlrpc", "jsonrpc", "json2") if version >= 19 else ("xmlrpc", "jsonrpc"):
        secret = sandbox.api_key if protocol == "json2" else sandbox.password
        cfg = OdooConfig(
            url=sandbox.url, database=sandbox.database, login=sandbox.login, secret=secret, protocol=protocol
        )
        targets.append((f"sandbox {version}", cfg))
    return stack, targets


def render(rows: list[tuple]) -> str:
    lines = [
        "| Target | Protocol | Operation | Server calls | Records | Total s | Calls/s | ms per call | ms per record |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, protocol, op, calls, records, seconds in rows:
        lines.append(
            f"| {label} | {protocol} | {op} | {calls} | {records} | {seconds:.3f} | {calls / seconds:.0f} "
            f"| {seconds / calls * 1000:.1f} | {seconds / records * 1000:.1f} |"
        )
    return "\n".join(lines)


def write_results(table: str, notes: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    section = f"## Odoo RPC\n\n{notes}\n\n{table}\n"
    if "## Odoo RPC" in text:
        text = re.sub(r"## Odoo RPC\n.*?(?=\n## |\Z)", section.rstrip("\n") + "\n", text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--real", metavar="URL", default=os.environ.get("ODOO11_URL"), help="also a real Odoo at URL")
    parser.add_argument("--db", default=os.environ.get("ODOO11_DB", "odoo11"))
    parser.add_argument("--login", default=os.environ.get("ODOO11_LOGIN", "admin"))
    parser.add_argument("--password", default=os.environ.get("ODOO11_PASSWORD", "admin"))
    parser.add_argument("--sandbox-version", type=int, default=19)
    parser.add_argument("--no-sandbox", action="store_true")
    parser.add_argument("--n", type=int, default=50, help="entries per create/post measurement")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite the Odoo RPC section of RESULTS.md")
    args = parser.parse_args(argv)
    rows, stack = [], contextlib.ExitStack()
    with stack:
        targets = []
        if not args.no_sandbox:
            sandbox_stack, targets = sandbox_targets(args.sandbox_version)
            stack.enter_context(sandbox_stack)
        if args.real:
            for protocol in ("xmlrpc", "jsonrpc"):
                cfg = OdooConfig(
                    url=args.real, database=args.db, login=args.login, secret=args.password, protocol=protocol
                )
                targets.append(("real Odoo", cfg))
        for label, cfg in targets:
            rows.extend(bench_one(label, cfg, args.n))
            print("\n".join(render(rows[-5:]).splitlines()[2:]), flush=True)
    table = render(rows)
    print(table)
    if not args.no_write:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        notes = (
            f"Measured {TODAY} on {platform.node() or 'this machine'} (2 cores, loopback) with "
            "`python bench/odoo_rpc.py"
            f"{' --real ' + args.real if args.real else ''} --n {args.n}`. Sequential calls through `OdooGateway` "
            '(keep-alive, no rate limit) unless noted; "Calls/s" counts server calls. '
            f"Load average during the run: {load} (other work shares the 2 cores; figures move by ±50 %)."
        )
        write_results(table, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
