"""Throughput of the Odoo sandbox: simple calls per second per client style (target ≥ 500/s on 2 cores).

    .venv/bin/python bench/sandbox_throughput.py [--calls 2000] [--version 17]

Starts a sandbox subprocess (sandbox.odoo.testing.run_sandbox) and measures, sequentially:
- raw XML-RPC over ONE keep-alive http.client connection (`res.partner.search_read` of one record);
- raw JSON-RPC over one keep-alive connection (same call);
- odoo-client-lib xmlrpc and jsonrpc (`search_count`; the library opens a new connection per call);
- odoo-client-lib json2 against a version-19 sandbox (named arguments);
- `account.move.create` (2 lines) over one keep-alive XML-RPC connection.
Prints one line per measurement: calls/s and ms/call.
"""

import argparse
import http.client
import json
import pathlib
import sys
import tempfile
import time
import xmlrpc.client

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import odoolib

from sandbox.odoo.testing import run_sandbox


def timed(label, n, fn):
    fn()  # warm-up
    start = time.perf_counter()
    for _ in range(n):
        fn()
    elapsed = time.perf_counter() - start
    print(f"{label:<58} {n / elapsed:8.0f} calls/s {elapsed / n * 1000:7.2f} ms/call")
    return n / elapsed


def raw_xmlrpc(sb, model, method, args, kw):
    conn = http.client.HTTPConnection(sb.host, sb.port)
    body = xmlrpc.client.dumps((sb.database, sb.admin_uid, sb.password, model, method, args, kw), "execute_kw")

    def call():
        conn.request("POST", "/xmlrpc/2/object", body, {"Content-Type": "text/xml"})
        return xmlrpc.client.loads(conn.getresponse().read())

    return call


def raw_jsonrpc(sb, model, method, args, kw):
    conn = http.client.HTTPConnection(sb.host, sb.port)
    params = {
        "service": "object",
        "method": "execute_kw",
        "args": [sb.database, sb.admin_uid, sb.password, model, method, args, kw],
    }
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params})

    def call():
        conn.request("POST", "/jsonrpc", body, {"Content-Type": "application/json"})
        return json.loads(conn.getresponse().read())["result"]

    return call


def move_vals(sb):
    probe = raw_xmlrpc(
        sb, "account.account", "search", [[["code", "in", ["6100", "2110"]], ["company_id", "=", 1]]], {}
    )
    debit, credit = probe()[0][0]
    journal = raw_xmlrpc(sb, "account.journal", "search", [[["code", "=", "MISC"], ["company_id", "=", 1]]], {})()[0][
        0
    ][0]
    lines = [
        [0, 0, {"account_id": debit, "name": "d", "debit": 10.0, "credit": 0.0}],
        [0, 0, {"account_id": credit, "name": "c", "debit": 0.0, "credit": 10.0}],
    ]
    return {"journal_id": journal, "date": "2026-06-01", "ref": "bench", "line_ids": lines}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--version", type=int, default=17)
    args = parser.parse_args()
    n = args.calls
    one = ([[["id", "=", 1]]], {"fields": ["name"]})
    results = {}
    with tempfile.TemporaryDirectory() as tmp, run_sandbox(args.version, tmp) as sb:
        print(f"Odoo sandbox {args.version}.0 at {sb.url}, {n} calls each")
        results["xmlrpc"] = timed(
            "raw XML-RPC search_read, one keep-alive connection", n, raw_xmlrpc(sb, "res.partner", "search_read", *one)
        )
        results["jsonrpc"] = timed(
            "raw JSON-RPC search_read, one keep-alive connection",
            n,
            raw_jsonrpc(sb, "res.partner", "search_read", *one),
        )
        for protocol in ("xmlrpc", "jsonrpc"):
            conn = odoolib.get_connection(
                hostname=sb.host,
                protocol=protocol,
                port=sb.port,
                database=sb.database,
                login=sb.login,
                password=sb.password,
            )
            model = conn.get_model("res.partner")
            results[f"odoolib-{protocol}"] = timed(
                f"odoo-client-lib {protocol} search_count (new connection per call)",
                n // 4,
                lambda m=model: m.search_count([]),
            )
        results["create"] = timed(
            "raw XML-RPC account.move create (2 lines), keep-alive",
            n // 4,
            raw_xmlrpc(sb, "account.move", "create", [move_vals(sb)], {}),
        )
    with tempfile.TemporaryDirectory() as tmp, run_sandbox(19, tmp) as sb:
        conn = odoolib.get_connection(
            hostname=sb.host, protocol="json2", port=sb.port, database=sb.database, password=sb.api_key
        )
        model = conn.get_model("res.partner")
        results["odoolib-json2"] = timed(
            "odoo-client-lib json2 search_count (sandbox 19)", n // 4, lambda: model.search_count(domain=[])
        )
    slowest = min(results["xmlrpc"], results["jsonrpc"])
    verdict = "OK" if slowest >= 500 else "BELOW"
    print(f"simple calls over one keep-alive connection: {slowest:.0f}/s ({verdict}: target 500/s)")
    print(
        "(odoo-client-lib jsonrpc/json2 call httpx.post per call: building an httpx client costs ~24 ms on the client)"
    )


if __name__ == "__main__":
    main()
