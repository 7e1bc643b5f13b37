"""Print the journal entries the console posted into the Odoo sandbox: journal, company, and per line the
account, debit/credit, taxes, analytic distribution and currency — what a newcomer checks after the demo.

.venv/bin/python scripts/demo_moves.py [--url http://127.0.0.1:8169] [--db sandbox] [--ref R-1001]
"""

import argparse
import sys
import xmlrpc.client

FIELDS = ["account_id", "name", "debit", "credit", "tax_ids", "tax_line_id", "analytic_distribution", "currency_id",
          "amount_currency"]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8169")
    parser.add_argument("--db", default="sandbox")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--ref", default="", help="only entries whose reference contains this (e.g. expensify)")
    args = parser.parse_args()
    if not args.url.startswith(("http://", "https://")):
        print("The URL must start with http:// or https://", file=sys.stderr)
        return 2
    try:
        uid = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/common").authenticate(
            args.db, args.login, args.password, {}
        )
    except OSError as error:
        print(f"The Odoo sandbox does not answer at {args.url} ({error}); is `make run` running?", file=sys.stderr)
        return 1
    odoo = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/object", allow_none=True)

    def call(model, method, *positional, **kw):
        return odoo.execute_kw(args.db, uid, args.password, model, method, list(positional), kw)

    taxes = {t["id"]: t["name"] for t in call("account.tax", "search_read", [], fields=["name"])}
    analytic = {a["id"]: a["name"] for a in call("account.analytic.account", "search_read", [], fields=["name"])}
    domain = [["ref", "ilike", args.ref]] if args.ref else [["ref", "like", ":"]]  # the console's keys
    moves = call("account.move", "search_read", domain, fields=["name", "ref", "journal_id", "company_id", "date",
                                                                "state"], order="id")  # fmt: skip
    for move in moves:
        print(f"{move['name']} [{move['state']}] {move['date']} {move['journal_id'][1]} — {move['company_id'][1]}")
        print(f"  ref {move['ref']}")
        for line in call("account.move.line", "search_read", [["move_id", "=", move["id"]]], fields=FIELDS):
            amount = f"Dr {line['debit']:>9.2f}" if line["debit"] else f"Cr {line['credit']:>9.2f}"
            extra = []
            if line["tax_ids"]:
                extra.append("taxes " + ", ".join(taxes.get(t, str(t)) for t in line["tax_ids"]))
            if line["tax_line_id"]:
                extra.append(f"tax line of {line['tax_line_id'][1]}")
            if line["analytic_distribution"]:
                extra.append("analytic " + ", ".join(f"{analytic.get(int(k.split(',')[0]), k)} {v:g}%"
                                                     for k, v in line["analytic_distribution"].items()))  # fmt: skip
            if line["currency_id"]:
                extra.append(f"{line['amount_currency']:.2f} {line['currency_id'][1]}")
            print(f"    {amount}  {line['account_id'][1]:<28} {' · '.join(extra)}")
    print(f"{len(moves)} entr{'y' if len(moves) == 1 else 'ies'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
