"""The newcomer's demo as a test: the three ways in — a signed webhook, the demo CSV uploaded through the API,
and an Expensify pull from the platform sandbox over a socket — run without a task worker (django-q2 tasks
inline, runs executed in-process) and posted as journal entries with the right accounts, taxes, analytic
distribution, currency and journal.

- On the Odoo sandbox 17 with exactly the demo's configuration (`seed_demo`'s connector, mapping and flow seeds).
- On the REAL Odoo 11 (marked `odoo11`, required in CI): one company there, so the US data of each path.
"""

import csv
import io
import json
import os
import time
import uuid
import xmlrpc.client
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from apps.documents.models import Document
from apps.documents.webhooks import sign
from apps.sync.models import Flow
from apps.worklist.models import WorklistItem
from sandbox.platforms.expensify import CREDENTIALS
from sandbox.platforms.testing import run_platform
from tests.services import required_service
from tests.sync import helpers

ROOT = Path(__file__).resolve().parents[2]
DEMO_CSV = ROOT / "sandbox" / "platforms" / "demo" / "expenses.csv"
DEMO_SECRET = "whsec_" + "ZGVtby1wYXRocy10ZXN0LXNlY3JldC0wMTIzNDU2Nzg5"
APPROVED = 10  # of the platform sandbox's 12 seeded reports


@pytest.fixture
def expensify(tmp_path):
    with run_platform("expensify", tmp_path / "expensify") as url:
        yield url


def deliver(slug: str, report: dict, secret: str) -> int:
    """What scripts/demo_webhook.py does, through the console's URL."""
    body = json.dumps(report).encode()
    headers = sign(secret, f"msg_{uuid.uuid4().hex}", int(time.time()), body)
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return Client().post(f"/hooks/{slug}/", data=body, content_type="application/json", **meta).status_code


def upload(client, data: bytes) -> dict:
    answer = client.post(reverse("documents-api:document-import"),
                         {"file": SimpleUploadedFile("expenses.csv", data), "preset": "canonical"})  # fmt: skip
    assert answer.status_code == 201, answer.content
    return answer.json()


def run_flow(slug: str, capture) -> str:
    out = io.StringIO()
    with capture(execute=True):  # the pull's cursor and markAsExported run on commit
        call_command("run_flow", slug, stdout=out)
    return out.getvalue()


class Odoo:
    """The test's own view of the Odoo it posted to (XML-RPC as its admin, outside the console)."""

    def __init__(self, url, db, login, password, version: int):
        self.db, self.password, self.major = db, password, version
        self.uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(db, login, password, {})
        self.proxy = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)

    def call(self, model, method, *args, **kw):
        return self.proxy.execute_kw(self.db, self.uid, self.password, model, method, list(args), kw)

    def entry(self, ref: str) -> tuple[dict, list[dict]]:
        moves = self.call("account.move", "search_read", [["ref", "=", ref]],
                          fields=["state", "journal_id", "company_id", "date"])  # fmt: skip
        assert len(moves) == 1, f"{len(moves)} entries for {ref}"
        fields = ["account_id", "name", "debit", "credit", "tax_ids", "tax_line_id", "currency_id", "amount_currency",
                  "analytic_distribution" if self.major >= 16 else "analytic_account_id"]  # fmt: skip
        lines = self.call("account.move.line", "search_read", [["move_id", "=", moves[0]["id"]]], fields=fields)
        return moves[0], lines

    def journal_code(self, journal) -> str:
        return self.call("account.journal", "read", [journal[0]], fields=["code"])[0]["code"]


def assert_balanced_and_posted(move, lines):
    assert move["state"] == "posted"
    assert round(sum(line["debit"] for line in lines), 2) == round(sum(line["credit"] for line in lines), 2)


# --- the Odoo sandbox 17, configured by the demo seed ------------------------------------------------------------


@pytest.fixture
def demo(entities, superuser, it_admin, sandboxes, expensify, settings, monkeypatch, inline_tasks):
    """`seed_demo`'s connectors, mappings (read from the sandbox) and flows for the demo's entities and users,
    against a fresh sandbox 17 and a fresh Expensify sandbox."""
    from apps.connectors import demo as connectors_demo
    from apps.mappings import demo as mappings_demo
    from apps.sync import demo as sync_demo
    from apps.sync.services.gateway import forget_gateways
    from tests.conftest import _user

    sandbox = sandboxes(17)
    sandbox.reset()
    forget_gateways()
    settings.ODOO_SANDBOX_URL = sandbox.url
    monkeypatch.setenv("EXPENSIFY_SANDBOX_URL", expensify)
    monkeypatch.setenv("DEMO_WEBHOOK_SECRET", DEMO_SECRET)
    controller = _user("controller", role="finance_controller", entities=list(entities.values()))
    out = io.StringIO()
    for module in (connectors_demo, mappings_demo, sync_demo):
        module.seed(out)
    assert "not reachable" not in out.getvalue(), out.getvalue()  # master data came from the sandbox itself
    yield {"controller": controller, "odoo": Odoo(sandbox.url, sandbox.database, sandbox.login, sandbox.password, 17)}
    forget_gateways()


def test_the_three_demo_paths_post_into_the_sandbox_with_accounts_taxes_analytics_currency_and_journal(
    demo, client_for, django_capture_on_commit_callbacks
):
    odoo = demo["odoo"]
    # 1. the demo webhook (scripts/demo_webhook.py's report), posted by its task (inline here)
    from scripts.demo_webhook import REPORT

    with django_capture_on_commit_callbacks(execute=True):
        assert deliver("demo-platform", REPORT, DEMO_SECRET) == 202
    # 2. the demo CSV through the file drop, then Run now of its flow
    created = upload(client_for(demo["controller"]), DEMO_CSV.read_bytes())["created"]
    assert len(created) == 3
    assert "posted 3" in run_flow("demo-file-upload", django_capture_on_commit_callbacks)
    # 3. the Expensify pull from the platform sandbox (a real process on a socket)
    assert f"posted {APPROVED}," in run_flow("expensify-demo-pull", django_capture_on_commit_callbacks)

    documents = Document.objects.all()
    assert documents.count() == 1 + 3 + APPROVED
    assert {d.state for d in documents} <= {"posted", "confirmed"}, [(d.source_id, d.state_reason) for d in documents]
    assert not WorklistItem.objects.filter(flow__in=[f.slug for f in Flow.objects.all()]).exists()

    # The webhook's report: FR, TAXI 42.50 EUR incl. 20 % VAT, PRJ-ALPHA / CC-SALES, paid by the employee.
    move, lines = odoo.entry("demo-platform:expense_report:R-1001:1")
    assert_balanced_and_posted(move, lines)
    assert move["company_id"][0] == 2 and odoo.journal_code(move["journal_id"]) == "MISC"
    expense = next(line for line in lines if line["tax_ids"])
    tax = next(line for line in lines if line["tax_line_id"])
    payable = next(line for line in lines if line["credit"])
    assert "Travel" in expense["account_id"][1] and (expense["debit"], tax["debit"]) == (35.42, 7.08)
    assert tax["tax_line_id"][1] == "FR-20" and "VAT" in tax["account_id"][1]
    assert len(expense["analytic_distribution"]) == 2  # the project and the cost centre, each 100 %
    assert "Payable" in payable["account_id"][1] and payable["credit"] == 42.50

    # The CSV's US report: paid with the company card → the card journal's clearing account, no VAT (US-0).
    move, lines = odoo.entry("file-upload:expense_report:CSV-US-1:1")
    assert_balanced_and_posted(move, lines)
    assert move["company_id"][0] == 1 and "Card" in next(line for line in lines if line["credit"])["account_id"][1]

    # Every pulled report: posted once in its company's MISC journal; taxed lines carry taxes and a tax line,
    # tagged lines their analytic distribution, dollar lines in a euro company their currency.
    foreign = 0
    for document in documents.filter(source_connector="expensify-demo"):
        move, lines = odoo.entry(document.idempotency_key)
        assert_balanced_and_posted(move, lines)
        assert move["company_id"][0] == document.entity.odoo_company_id
        assert odoo.journal_code(move["journal_id"]) == "MISC"
        debits = [line for line in lines if line["debit"] and not line["tax_line_id"]]
        assert len(debits) == document.line_count
        for line, source in zip(debits, document.lines.order_by("position"), strict=True):
            assert bool(line["tax_ids"]) == bool(source.tax_code), source.line_id
            assert bool(line["analytic_distribution"]) == bool(source.project or source.cost_centre)
            if source.currency != document.entity.currency:
                foreign += 1
                assert line["currency_id"][1] == source.currency
        # Foreign lines and their VAT carry the amount in the line's currency (Odoo converts the rest).
        spent = sum(float(s.amount) for s in document.lines.exclude(currency=document.entity.currency))
        carried = sum(line["amount_currency"] for line in lines if line["debit"] and line["currency_id"])
        assert round(carried, 2) == round(spent, 2)
        if document.entity.code != "US" and any(line["tax_ids"] for line in debits):
            assert any(line["tax_line_id"] for line in lines)
    assert foreign, "the seeded platform data has dollar lines in euro reports"


# --- the real Odoo 11 -------------------------------------------------------------------------------------------

ODOO11 = {k: os.environ.get(f"ODOO11_{k.upper()}", d) for k, d in
          (("url", "http://127.0.0.1:8069"), ("db", "odoo11"), ("login", "admin"), ("password", "admin"))}  # fmt: skip


def odoo11_answers() -> bool:
    from tests.sync.test_odoo11 import odoo11_answers as answers

    return answers()


def zero_tax(odoo: Odoo) -> int:
    """A 0 % purchase tax for exempt lines (Odoo 11's demo chart has only 15 %): found, or created once."""
    found = odoo.call("account.tax", "search", [["name", "=", "Tax 0% (console tests)"]])
    if found:
        return found[0]
    paid = odoo.call("account.account", "search", [["code", "=", "101300"]])[0]
    values = {"name": "Tax 0% (console tests)", "type_tax_use": "purchase", "amount_type": "percent", "amount": 0.0}
    return odoo.call("account.tax", "create", {**values, "account_id": paid})


@pytest.fixture
def odoo11_demo(entities, it_admin, controller, expensify, inline_tasks):
    """The same three connectors and flows as the demo, for entity US on the real Odoo 11, with mappings onto its
    demo data (employee Antoine Langlais, account 220000 Expenses, taxes 15 % and 0 %, analytic accounts)."""
    from apps.connectors.services.connectors import connector_create
    from apps.documents.file_import import FILE_CONNECTOR
    from apps.sync.services.gateway import forget_gateways

    required_service("odoo11", odoo11_answers(), f"nothing answers on {ODOO11['url']}")
    forget_gateways()
    odoo = Odoo(ODOO11["url"], ODOO11["db"], ODOO11["login"], ODOO11["password"], 11)
    us = entities["US"]
    target = helpers.odoo_connector(it_admin, url=ODOO11["url"], database=ODOO11["db"], login=ODOO11["login"],
                                    password=ODOO11["password"], entities=[us])  # fmt: skip
    webhook = helpers.webhook_connector(it_admin, entities=[us])
    files = connector_create(actor=it_admin, data={"slug": FILE_CONNECTOR, "name": "Files", "kind": "expense_platform",
                                                   "adapter": "csv_drop", "options": {"directory": str(ROOT)}},
                             entities=[us], reason="test")  # fmt: skip
    pull = connector_create(actor=it_admin, data={"slug": "expensify", "name": "Expensify", "kind": "expense_platform",
                                                  "adapter": "expensify", "base_url": expensify,
                                                  "options": {"partner_user_id": CREDENTIALS["partnerUserID"],
                                                              "entity_by_policy": {"POL-US": "US"}}},
                            entities=[us], reason="test", initial_secret=CREDENTIALS["partnerUserSecret"],
                            initial_secret_kind="api_key")  # fmt: skip
    exempt = zero_tax(odoo)
    analytic = {a["name"]: a["id"] for a in odoo.call("account.analytic.account", "search_read", [],
                                                        fields=["name"])}  # fmt: skip
    sales, admin = analytic["Commercial & Marketing"], analytic["Administrative"]
    helpers.master(us, "employees", 2, code="antoine@odoo.com", name="Antoine Langlais")
    helpers.master(us, "accounts", 19, code="220000", name="Expenses")
    helpers.master(us, "taxes", 2, code="Tax 15.00%", data={"type_tax_use": "purchase", "amount": 15.0})
    helpers.master(us, "taxes", exempt, code="Tax 0%", data={"type_tax_use": "purchase", "amount": 0.0})
    helpers.master(us, "currencies", 3, code="USD")
    for odoo_id in (sales, admin):
        helpers.master(us, "analytic_accounts", odoo_id, code=str(odoo_id))
    people = ["someone@example.com", "jordan.lee@example.com", "sam.taylor@example.com"]
    helpers.active_mapping(us, "employee", controller, [(p, "hr.employee", 2) for p in people])
    helpers.active_mapping(us, "category", controller, [(c, "account.account", 19) for c in
                                                        ("TAXI", "MEALS", "HOTEL", "TRAIN", "MILEAGE")])  # fmt: skip
    helpers.active_mapping(us, "tax_code", controller, [("US-15", "account.tax", 2),
                                                        ("US-EXEMPT", "account.tax", exempt)])  # fmt: skip
    helpers.active_mapping(us, "currency", controller, [("USD", "res.currency", 3)])
    helpers.active_mapping(us, "project", controller, [("PRJ-ALPHA", "account.analytic.account", sales),
                                                       ("PRJ-BETA", "account.analytic.account", admin)])  # fmt: skip
    helpers.active_mapping(us, "cost_centre", controller, [(c, "account.analytic.account", sales) for c in
                                                           ("CC-SALES", "CC-RD", "CC-ADMIN")])  # fmt: skip
    # No card journal in Odoo 11's demo chart: company-paid lines credit the bank journal's account.
    options = {"trigger": "manual", "journal_code": "MISC", "card_journal_code": "BNK1", "receipt_threshold": 10_000}
    for slug, source in (("odoo11-webhook", webhook), ("odoo11-files", files), ("odoo11-pull", pull)):
        helpers.flow(source, target, [us], slug=slug, **options)
    yield odoo
    forget_gateways()


@pytest.mark.odoo11
def test_the_three_demo_paths_post_into_the_real_odoo11(odoo11_demo, entities, client_for,
                                                        django_capture_on_commit_callbacks):  # fmt: skip
    from tests.conftest import _user

    odoo = odoo11_demo
    tag = uuid.uuid4().hex[:6]  # the real server keeps what earlier runs posted
    report = helpers.report(f"R-{tag}", entity="US", currency="USD",
                            lines=[helpers.line(f"R-{tag}-1", amount="115.00", currency="USD", tax_code="US-15",
                                                project="PRJ-ALPHA", cost_centre="CC-SALES")])  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver("platform", report, helpers.WEBHOOK_SECRET) == 202
    assert "posted 1" in run_flow("odoo11-webhook", django_capture_on_commit_callbacks)

    rows = list(csv.DictReader(io.StringIO(DEMO_CSV.read_text())))
    us_rows = [{**r, "report_id": f"{r['report_id']}-{tag}", "line_id": f"{r['line_id']}-{tag}"}
               for r in rows if r["entity"] == "US"]  # fmt: skip
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(us_rows)
    controller_us = _user("controller_us", role="finance_controller", entities=[entities["US"]])
    created = upload(client_for(controller_us), text.getvalue().encode())["created"]
    assert "posted 1" in run_flow("odoo11-files", django_capture_on_commit_callbacks)

    out = run_flow("odoo11-pull", django_capture_on_commit_callbacks)
    pulled = Document.objects.filter(source_connector="expensify")
    # Odoo 11 has one company: the FR and DE policies have no entity here, so their reports wait on the worklist.
    refused = WorklistItem.objects.filter(category="schema_invalid", flow="odoo11-pull")
    assert pulled.count() + refused.count() == APPROVED and refused.count() == APPROVED - pulled.count()
    assert f"posted {pulled.count()}," in out and pulled.count() >= 3

    keys = [f"platform:expense_report:R-{tag}:1", *created, *pulled.values_list("idempotency_key", flat=True)]
    for key in keys:
        document = Document.objects.get(idempotency_key=key)
        assert document.state in ("posted", "confirmed"), (key, document.state_reason)
        move, lines = odoo.entry(key)
        assert_balanced_and_posted(move, lines)
        assert odoo.journal_code(move["journal_id"]) == "MISC"
        debits = [line for line in lines if line["debit"] and not line["tax_line_id"]]
        assert debits and all(line["account_id"][0] == 19 for line in debits)
        sources = list(document.lines.order_by("position"))
        assert all(bool(line["tax_ids"]) == bool(s.tax_code) for line, s in zip(debits, sources, strict=True))
        assert all(bool(line["analytic_account_id"]) == bool(s.project or s.cost_centre)
                   for line, s in zip(debits, sources, strict=True))  # fmt: skip
    move, lines = odoo.entry(keys[0])  # 115.00 incl. 15 %: 100.00 on Expenses, 15.00 on the tax's account
    assert sorted((line["debit"], bool(line["tax_line_id"])) for line in lines if line["debit"]) == [
        (15.0, True), (100.0, False)]  # fmt: skip
