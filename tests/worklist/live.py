"""The live pipeline for worklist tests: a webhook flow into a real Odoo 17 sandbox (subprocess, sockets), with
django-q2 running every task inline (as a worker would, in this process), and documents delivered through the
signed webhook endpoint of apps.sync.

    setup = live_setup()            # FR, employee mapping by explicit rules only (unknown e-mails: mapping_missing)
    deliver(report(…))              # POST /hooks/platform/ → stored, then processed and posted on commit
"""

from datetime import date

from django.test import Client

from apps.mappings.models import MasterRecord
from tests.sync import helpers

SAM = "someone@example.com"  # Sam Someone, an FR (company 2) employee of the sandbox seed


def configure(setup, owner):
    """Employees map by explicit rule only, so a private e-mail is a missing mapping (not missing master data)."""
    sam = MasterRecord.objects.get(entity=setup.entity, kind="employees", code=SAM)
    helpers.active_mapping(setup.entity, "employee", owner, [(SAM, "hr.employee", sam.odoo_id)], auto_match=False)
    return sam


def report(source_id: str, *, email: str = SAM, amount: str = "42.50", day: str = "2026-11-20", merchant="G7"):
    line = helpers.line(f"{source_id}-1", amount=amount, date=day, merchant=merchant)
    return helpers.report(source_id, email=email, lines=[line])


def deliver(raw: dict, *, slug: str = "platform"):
    body, headers = helpers.signed(raw)
    answer = Client().post(f"/hooks/{slug}/", data=body, content_type="application/json", **headers)
    assert answer.status_code == 202, answer.content
    return answer


def move_dates(setup, key: str) -> list[date]:
    rows = setup.odoo("account.move", "search_read", [["ref", "=", key]], fields=["date", "state"])
    return [date.fromisoformat(str(r["date"])[:10]) for r in rows if r["state"] == "posted"]
