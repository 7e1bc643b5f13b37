"""Expensify through the Integration Server sandbox (a real process over a socket): master data pushed with the
employee and policy updaters, paid reports marked REIMBURSED with the report status updater, only what changed,
each record ledgered; and the demo's way back — the sandbox inbox and `demo_pay`."""

import io
import json

import httpx
import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.connectors.services import connector_create
from apps.documents.models import Document
from apps.ledger.models import LedgerEntry
from apps.mappings.models import MasterRecord
from apps.reporting import demo, outbound
from apps.reporting.expensify import PATH
from apps.reporting.models import PushedRecord, ReimbursementStatus
from apps.reporting.services.masterdata import master_data_push
from apps.reporting.services.status import reimbursement_status_check
from sandbox.platforms.expensify import CREDENTIALS
from sandbox.platforms.testing import run_platform
from tests.reporting.conftest import DATABASES
from tests.sync import helpers

pytestmark = pytest.mark.django_db(databases=DATABASES)
PUSHED = ("employees", "expense_categories", "analytic_accounts", "projects")


class Platform:
    def __init__(self, url, data_dir):
        self.url, self.data_dir = url, data_dir

    def job(self, description: dict) -> dict:
        form = {"requestJobDescription": json.dumps({**description, "credentials": CREDENTIALS})}
        return httpx.post(self.url + PATH, data=form, timeout=5).json()

    def policy(self, policy_id="POL-FR") -> dict:
        fields = ["categories", "tags", "employees"]
        body = self.job({"type": "get", "inputSettings": {"type": "policy", "policyIDList": [policy_id],
                                                          "fields": fields}})  # fmt: skip
        return body["policyInfo"][policy_id]

    def report_status(self, report_id: str) -> str:
        reports = json.loads((self.data_dir / "reports.json").read_text())
        return next(r["status"] for r in reports if r["reportID"] == report_id)


@pytest.fixture
def expensify_platform(tmp_path):
    with run_platform("expensify", tmp_path / "expensify") as url:
        yield Platform(url, tmp_path / "expensify")


@pytest.fixture
def expensify_connector(it_admin, entities, expensify_platform):
    def build(policy="POL-FR", slug="expensify"):
        return connector_create(
            actor=it_admin, entities=[entities["FR"]], reason="test", initial_secret=CREDENTIALS["partnerUserSecret"],
            initial_secret_kind="api_key",
            data={"slug": slug, "name": "Expensify", "kind": "expense_platform", "adapter": "expensify",
                  "base_url": expensify_platform.url + PATH,
                  "options": {"partner_user_id": CREDENTIALS["partnerUserID"], "entity_by_policy": {policy: "FR"}}},
        )  # fmt: skip

    return build


@pytest.fixture
def fr_master(posting_setup):
    """Entity FR's master data, read from the Odoo sandbox through the real refresh."""
    return posting_setup(version=17)


def cached(entity, kind, **filters):
    return MasterRecord.objects.filter(entity=entity, kind=kind, **filters)


# --- master data ---------------------------------------------------------------------------------------------
def test_first_push_provisions_employees_categories_and_tags_on_the_entitys_policy(
    fr_master, expensify_connector, expensify_platform
):
    connector = expensify_connector()

    run = master_data_push()

    assert run.status == "succeeded", run.message
    policy = expensify_platform.policy()
    active = cached(fr_master.entity, "employees", active=True)
    assert set(policy["employees"]) >= {e.code for e in active}
    simon = policy["employees"]["simon.taylor@example.com"]
    assert "@" in simon["managerEmail"] and simon["employeeUserID"]
    categories = {c["name"]: c for c in policy["categories"]}
    assert {c.code or c.name for c in cached(fr_master.entity, "expense_categories")} <= set(categories)
    assert "TRAIN" in categories  # merged: what the policy had (and Odoo has not) stays
    levels = {level["name"]: {t["name"] for t in level["tags"]} for level in policy["tags"]}
    assert set(levels) == {"Cost centre", "Project"}
    assert len(levels["Project"]) == cached(fr_master.entity, "projects").count()
    assert "PRJ-ALPHA" in levels["Project"] and "PRJ-ALPHA" not in levels["Cost centre"]  # as expenses tag them
    assert "CC-SALES" in levels["Cost centre"]
    expected = sum(cached(fr_master.entity, kind).count() for kind in PUSHED if kind != "employees") + active.count()
    pushed = LedgerEntry.objects.filter(kind="master_data.pushed", connector=connector.slug)
    assert pushed.count() == expected
    assert PushedRecord.objects.filter(connector=connector.slug, kind__in=("taxes", "departments")).count() == 0


def test_second_push_sends_only_what_changed_and_tags_go_as_a_whole(fr_master, expensify_connector, expensify_platform):
    connector = expensify_connector()
    master_data_push()
    ledgered = LedgerEntry.objects.filter(kind="master_data.pushed").count()

    unchanged = master_data_push()

    assert unchanged.counts.get("sent", 0) == 0
    assert LedgerEntry.objects.filter(kind="master_data.pushed").count() == ledgered
    project = cached(fr_master.entity, "projects").order_by("odoo_id").first()
    cached(fr_master.entity, "projects").filter(pk=project.pk).update(active=False, changed_at=timezone.now())

    run = master_data_push()

    assert run.counts["sent"] == 1
    entry = LedgerEntry.objects.filter(kind="master_data.pushed", connector=connector.slug).latest("sequence")
    assert (entry.target_model, entry.source_id) == ("projects", str(project.odoo_id))
    projects = next(level for level in expensify_platform.policy()["tags"] if level["name"] == "Project")["tags"]
    assert [t["enabled"] for t in projects].count(False) == 1
    assert len(projects) == cached(fr_master.entity, "projects").count()  # the whole level, not just the change


def test_a_leaver_is_ledgered_as_not_sent_because_the_updater_cannot_remove(fr_master, expensify_connector):
    expensify_connector()
    master_data_push()
    cached(fr_master.entity, "employees", code="simon.taylor@example.com").update(
        active=False, changed_at=timezone.now()
    )

    run = master_data_push()

    assert run.counts["not_sent"] == 1 and run.counts.get("sent", 0) == 0
    entry = LedgerEntry.objects.get(kind="master_data.not_sent")
    assert entry.outcome == "rejected" and "cannot remove" in entry.reason
    assert master_data_push().counts.get("not_sent", 0) == 0  # recorded once


def test_a_refused_job_is_ledgered_as_failed_and_sent_again_next_time(fr_master, expensify_connector):
    connector = expensify_connector(policy="POL-NOPE")

    run = master_data_push()

    assert run.status == "partial" and run.counts["failed"] > 0
    failed = LedgerEntry.objects.filter(kind="master_data.push_failed", connector=connector.slug)
    assert failed.exists() and all("Policy not found" in e.reason for e in failed)
    assert not PushedRecord.objects.filter(connector=connector.slug).exists()
    assert master_data_push().counts["failed"] == run.counts["failed"]


# --- reimbursement status ------------------------------------------------------------------------------------
def from_expensify(connector, document, report_id):
    """The posted document as if it had been pulled from Expensify report `report_id`."""
    Document.objects.filter(pk=document.pk).update(source_connector=connector.slug, source_id=report_id)
    document.refresh_from_db()
    return document


def test_paid_report_is_marked_reimbursed_in_expensify_once(posted, expensify_connector, expensify_platform):
    setup, (paid, unpaid) = posted(count=2)
    connector = expensify_connector()
    paid, unpaid = from_expensify(connector, paid, "FR100002"), from_expensify(connector, unpaid, "FR100005")
    setup.sandbox.pay(move_ids=paid.odoo_ids)

    run = reimbursement_status_check()

    paid.refresh_from_db()
    assert run.status == "succeeded", run.message
    assert paid.state == "confirmed"
    assert expensify_platform.report_status("FR100002") == "Reimbursed"
    assert expensify_platform.report_status("FR100005") == "Approved"
    sent = LedgerEntry.objects.filter(kind="reimbursement.status_sent", connector=connector.slug)
    assert [(e.document, e.outcome, json.loads(e.payload_row.body)["expensify_status"]) for e in sent] == [
        (paid.idempotency_key, "ok", "REIMBURSED")
    ]
    # not_paid has nothing to tell Expensify: handled without a call or a ledger entry
    assert ReimbursementStatus.objects.get(document=unpaid).sent_state == "not_paid"
    assert reimbursement_status_check().counts.get("sent", 0) == 0


def test_a_report_already_reimbursed_in_expensify_counts_as_delivered(posted, expensify_connector, expensify_platform):
    setup, (document,) = posted(count=1)
    document = from_expensify(expensify_connector(), document, "FR100002")
    expensify_platform.job({"type": "update", "inputSettings": {"type": "reportStatus", "status": "REIMBURSED",
                                                                "filters": {"reportIDList": "FR100002"}}})  # fmt: skip
    setup.sandbox.pay(move_ids=document.odoo_ids)

    reimbursement_status_check()

    status = ReimbursementStatus.objects.get(document=document)
    assert (status.sent_state, status.send_attempts) == ("paid", 0)


def test_a_report_expensify_cannot_reimburse_is_retried_with_its_reason(posted, expensify_connector):
    setup, (document,) = posted(count=1)
    document = from_expensify(expensify_connector(), document, "DE100006")  # still Processing in Expensify
    setup.sandbox.pay(move_ids=document.odoo_ids)

    run = reimbursement_status_check()

    status = ReimbursementStatus.objects.get(document=document)
    assert run.counts["send_failed"] == 1
    assert (status.sent_state, status.send_attempts) == ("", 1)
    assert "status 'Processing'" in status.last_error
    failed = LedgerEntry.objects.get(kind="reimbursement.status_sent", outcome="failed")
    assert failed.document == document.idempotency_key


# --- the demo's way back -------------------------------------------------------------------------------------
def test_signed_webhooks_land_once_in_the_sandbox_inbox(expensify_platform, it_admin):
    helpers.webhook_connector(it_admin, slug="demo-platform")
    channel = outbound.Channel(connector="demo-platform", url=expensify_platform.url + "/inbox/demo", timeout=5)

    first = outbound.send(channel, event="reimbursement.status_changed", data={"payment_state": "paid"}, msg_id="m1")
    again = outbound.send(channel, event="reimbursement.status_changed", data={"payment_state": "paid"}, msg_id="m1")

    assert first.ok and again.ok
    messages = httpx.get(expensify_platform.url + "/inbox", timeout=5).json()["messages"]
    assert [(m["id"], m["payload"]["data"]["payment_state"]) for m in messages] == [("m1", "paid")]
    assert messages[0]["headers"]["webhook-signature"].startswith("v1,")


def test_seed_points_demo_platform_at_the_inbox_once(it_admin, monkeypatch):
    monkeypatch.setenv("EXPENSIFY_SANDBOX_URL", "http://127.0.0.1:9999")
    connector = helpers.webhook_connector(it_admin, slug="demo-platform")
    it_admin.username = "itadmin"
    it_admin.save(update_fields=["username"])
    lines = []

    demo._demo_platform_outbound(type("Out", (), {"write": staticmethod(lines.append)}))
    demo._demo_platform_outbound(type("Out", (), {"write": staticmethod(lines.append)}))

    connector.refresh_from_db()
    assert connector.base_url == "http://127.0.0.1:9999/inbox/demo-platform"
    assert len(lines) == 1
    assert LedgerEntry.objects.filter(kind="connector.changed", connector="demo-platform").count() == 1


def test_demo_pay_pays_in_the_odoo_sandbox_and_the_status_goes_back(posted, receiver, settings):
    setup, (document, other) = posted(count=2)
    settings.ODOO_SANDBOX_ADMIN_TOKEN = setup.sandbox.admin_token

    out = io.StringIO()
    call_command("demo_pay", document.source_id, stdout=out)

    document.refresh_from_db()
    other.refresh_from_db()
    assert (document.state, other.state) == ("confirmed", "posted")
    assert "sent back 2" in out.getvalue()  # paid, and the other one's not_paid
    states = {
        m["data"]["document"]: m["data"]["payment_state"] for m in receiver.of_type("reimbursement.status_changed")
    }
    assert states[document.idempotency_key] == "paid"


def test_demo_pay_refuses_a_wrong_token_and_pays_nothing(posted):
    _setup, (document,) = posted(count=1)

    with pytest.raises(demo.DemoPayError, match="admin token"):
        demo.demo_pay(keys=[document.idempotency_key], token="wrong")

    reimbursement_status_check()
    assert ReimbursementStatus.objects.get(document=document).payment_state == "not_paid"


def test_the_sandbox_refuses_what_expensify_refuses(expensify_platform):
    policy = {"type": "policy", "policyID": "POL-FR"}
    employees = {"type": "employees", "policyID": "POL-FR", "fileType": "csv"}
    form = {"requestJobDescription": json.dumps({"type": "update", "credentials": CREDENTIALS,
                                                 "inputSettings": employees}),
            "data": "EmployeeEmail,Admin\na@example.com,false\n"}  # fmt: skip

    malformed = expensify_platform.job({"type": "update", "inputSettings": policy, "categories": {"data": []}})
    approved = expensify_platform.job({"type": "update", "inputSettings": {"type": "reportStatus",
                                                                           "status": "APPROVED"}})  # fmt: skip
    no_column = httpx.post(expensify_platform.url + PATH, data=form, timeout=5).json()

    assert malformed == {"responseCode": 410, "responseMessage": "'categories' object malformed"}
    assert approved == {"responseCode": 410, "responseMessage": "Status 'APPROVED' is not supported"}
    assert no_column == {"responseCode": 500, "responseMessage": "Column ManagerEmail not found in CSV header"}
