"""Send the minimal demo report of issue 7, signed with DEMO_WEBHOOK_SECRET, to the local console.

DEMO_WEBHOOK_SECRET=whsec_… .venv/bin/python scripts/demo_webhook.py [--url http://127.0.0.1:8000/hooks/demo-platform/]
"""

import argparse
import json
import os
import sys
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from apps.documents.webhooks import sign

REPORT = {"type": "expense_report", "id": "R-1001", "revision": 1, "entity": "FR",
          "employee": {"email": "someone@example.com"}, "currency": "EUR", "approved_at": "2026-11-28T10:00:00Z",
          "lines": [{"id": "R-1001-1", "date": "2026-11-20", "amount": "42.50", "currency": "EUR", "category": "TAXI",
                     "tax_code": "FR-20", "merchant": "G7", "project": "PRJ-ALPHA", "cost_centre": "CC-SALES",
                     "receipt": True, "payment": "employee"}]}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000/hooks/demo-platform/")
    args = parser.parse_args()
    secret = os.environ.get("DEMO_WEBHOOK_SECRET")
    if not secret:
        print("Set DEMO_WEBHOOK_SECRET (seed_demo prints it).", file=sys.stderr)
        return 2
    if not args.url.startswith(("http://", "https://")):
        print("The URL must start with http:// or https://", file=sys.stderr)
        return 2
    body = json.dumps(REPORT).encode()
    headers = {"Content-Type": "application/json", **sign(secret, f"msg_{uuid.uuid4().hex}", int(time.time()), body)}
    request = urllib.request.Request(args.url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (scheme checked above)
            print(answer.status, answer.read().decode())
    except urllib.error.HTTPError as error:
        print(error.code, error.read().decode())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
