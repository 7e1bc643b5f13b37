"""Point the gateway at an Odoo and print what `test_connection()` sees.

    python -m apps.connectors.odoo http://127.0.0.1:8169 sandbox admin [--protocol jsonrpc]
    ODOO_SECRET=... python -m apps.connectors.odoo https://acme.odoo.com acme bot@acme.com --protocol json2

The secret (password or API key) comes from ODOO_SECRET, else it is asked for; it is never printed.
Exit status 0 when the connection works, 1 otherwise.
"""

import argparse
import getpass
import os
import sys

from apps.connectors.odoo import OdooConfig, OdooGateway
from apps.connectors.odoo.config import PROTOCOLS


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m apps.connectors.odoo", description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("database")
    parser.add_argument("login")
    parser.add_argument("--protocol", default="xmlrpc", choices=PROTOCOLS)
    parser.add_argument("--timeout", type=float, default=15.0)
    args = parser.parse_args(argv)
    secret = os.environ.get("ODOO_SECRET") or getpass.getpass(f"password or API key of {args.login}: ")
    config = OdooConfig(args.url, args.database, args.login, secret, protocol=args.protocol, timeout=args.timeout)
    with OdooGateway(config) as gw:
        report = gw.test_connection()
    print(f"target:    {config}")
    print(f"ok:        {report.ok}" + (f"  ({report.error_class}: {report.error})" if not report.ok else ""))
    print(f"version:   {report.server_version or '?'}  (round trip {report.latency_ms} ms)")
    if report.user:
        print(f"user:      {report.user.name} <{report.user.login}> id {report.user.id}")
    for company in report.companies:
        print(f"company:   {company.id} {company.name} ({company.currency})")
    if report.ok:
        print("missing:   " + (", ".join(report.missing_rights) or "nothing: every required right is granted"))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
