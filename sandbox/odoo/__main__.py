"""Command line: start the Odoo sandbox and print how to reach it."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from .app import VERSIONS, Config, Sandbox
from .faults import FaultConfigError
from .server import make_server


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m sandbox.odoo", description="Odoo sandbox (XML-RPC, JSON-RPC, JSON-2)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8169)
    p.add_argument("--version", type=int, default=17, choices=VERSIONS)
    p.add_argument("--data", default=None, help="directory for the SQLite state (omit: in memory only)")
    p.add_argument("--database", default="sandbox")
    p.add_argument("--login", default="admin")
    p.add_argument("--password", default="admin")
    p.add_argument("--api-key", default=None, help="API key of the admin user (generated when omitted; 14+)")
    p.add_argument("--admin-token", default=None, help="token for /sandbox/* (X-Sandbox-Token header)")
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="JSON",
        help="initial fault plan, e.g. --fault '{\"latency_ms\": 50}' (repeatable)",
    )
    p.add_argument("--latency-ms", type=int, default=None)
    p.add_argument("--error-rate", type=float, default=None)
    p.add_argument("--outage-seconds", type=float, default=None)
    p.add_argument("--reset", action="store_true", help="reseed on start, discarding the stored state")
    p.add_argument("--verbose", action="store_true", help="log every request")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    config = Config(
        version=args.version,
        data_dir=Path(args.data) if args.data else None,
        database=args.database,
        login=args.login,
        password=args.password,
    )
    if args.api_key:
        config.api_key = args.api_key
    if args.admin_token:
        config.admin_token = args.admin_token
    sandbox = Sandbox(config)
    if args.reset:
        sandbox.reseed()
        sandbox._apply_credentials()
    try:
        for plan in args.fault:
            sandbox.faults.update({**json.loads(plan), "merge": True})
        flags = {"latency_ms": args.latency_ms, "error_rate": args.error_rate, "outage_seconds": args.outage_seconds}
        sandbox.faults.update({"merge": True, **{k: v for k, v in flags.items() if v is not None}})
    except (ValueError, FaultConfigError) as exc:
        print(f"--fault: {exc}", file=sys.stderr)
        return 2
    server = make_server(sandbox, args.host, args.port, args.verbose)
    url = f"http://{args.host}:{server.server_address[1]}"
    lines = [
        f"Odoo sandbox {args.version}.0 listening on {url}",
        f"  database: {config.database}   login: {config.login}   password: {config.password}",
        f"  api key:  {config.api_key if args.version >= 14 else '(none: API keys exist from Odoo 14)'}",
        f"  admin token (X-Sandbox-Token for /sandbox/*): {config.admin_token}",
        f"  state: {Path(args.data).resolve() if args.data else 'in memory'}",
    ]
    print("\n".join(lines), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
