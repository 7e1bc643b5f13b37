"""API pull flows (apps/sync/services/pulls.py) against the platform sandboxes as real processes, and the
reversal of a superseded revision on the Odoo sandbox 17 (it must mirror the original's taxes).

The pull's after-commit work is checked by holding the on-commit callbacks: until they run, the cursor has
not moved and Expensify has labelled nothing.
"""

import json
from decimal import Decimal

import pytest

from apps.connectors.services.connectors import connector_create
from apps.documents.models import Document
from apps.ledger.models import LedgerEntry
from apps.sync.posting.keys import reversal_key
from apps.sync.services.pulls import flow_cursor, flow_pull
from apps.worklist.models import WorklistItem
from sandbox.platforms.expensify import CREDENTIALS, RATE_LIMIT_MESSAGE
from sandbox.platforms.testing import run_platform
from tests.sync import helpers

pytestmark = pytest.mark.django_db
POLICIES = {"POL-US": "US", "POL-FR": "FR", "POL-DE": "DE"}
APPROVED = 10  # of the sandboxes' 12 seeded reports


def expensify_flow(it_admin, entities, url, *, policies=POLICIES, secret=CREDENTIALS["partnerUserSecret"]):
    source = connector_create(actor=it_admin, data={"slug": "expensify", "name": "Expensify", "adapter": "expensify",
                                                    "kind": "expense_platform",
                                                    "base_url": url + "/Integration-Server/ExpensifyIntegrations",
                                                    "options": {"partner_user_id": CREDENTIALS["partnerUserID"],
                                                                "entity_by_policy": policies}},
                              entities=list(entities.values()), reason="test", initial_secret=secret,
                              initial_secret_kind="api_key")  # fmt: skip
    # The pull does not talk to the target: nothing answers there, on purpose.
    target = helpers.odoo_connector(it_admin, url="http://127.0.0.1:9", database="none", login="admin",
                                    password="admin")  # fmt: skip
    return helpers.flow(source, target, list(entities.values()), slug="expensify-pull", trigger="manual")


def labels(data_dir) -> dict[str, list]:
    return {r["reportID"]: r["exportLabels"] for r in json.loads((data_dir / "reports.json").read_text())}


@pytest.fixture
def platform(tmp_path):
    with run_platform("expensify", tmp_path / "expensify") as url:
        yield url, tmp_path / "expensify"


def test_pulled_reports_are_stored_then_cursor_and_export_label_move_only_after_commit(
    platform, entities, it_admin, django_capture_on_commit_callbacks
):
    url, data = platform
    flow = expensify_flow(it_admin, entities, url)
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        outcome = flow_pull(flow=flow)
    assert (outcome.received, outcome.duplicates, outcome.invalid, outcome.error) == (APPROVED, 0, 0, "")
    assert Document.objects.filter(source_connector="expensify", state="received").count() == APPROVED
    # Not committed yet: the cursor and the platform are untouched (a crash here re-reads the same reports).
    assert flow_cursor(flow) is None and not any(labels(data).values())
    assert len(after_commit) == 1
    after_commit[0]()
    assert flow_cursor(flow) == outcome.cursor == "2026-11-04"
    marked = {k for k, v in labels(data).items() if v == ["integration-console"]}
    assert marked == set(Document.objects.values_list("source_id", flat=True))
    entry = LedgerEntry.objects.get(kind="pull.marked_exported")
    assert entry.outcome == "ok" and entry.flow == "expensify-pull"


def test_a_second_pull_finds_nothing_new_and_a_lost_label_only_yields_duplicates(
    platform, entities, it_admin, django_capture_on_commit_callbacks
):
    url, _ = platform
    flow = expensify_flow(it_admin, entities, url)
    with django_capture_on_commit_callbacks(execute=False):  # committed, but the worker died before labelling
        flow_pull(flow=flow)
    with django_capture_on_commit_callbacks(execute=True):
        again = flow_pull(flow=flow)
    assert (again.received, again.duplicates) == (0, APPROVED)  # intake is idempotent: nothing posted twice
    with django_capture_on_commit_callbacks(execute=True):
        third = flow_pull(flow=flow)
    assert (third.received, third.duplicates, third.calls) == (0, 0, 2)  # labelled now: not exported again
    assert Document.objects.count() == APPROVED


def test_a_report_that_does_not_normalize_opens_schema_invalid_and_is_read_again_once_fixed(
    platform, entities, it_admin, django_capture_on_commit_callbacks
):
    url, data = platform
    flow = expensify_flow(it_admin, entities, url, policies={"POL-US": "US", "POL-FR": "FR"})  # DE not configured
    with django_capture_on_commit_callbacks(execute=True):
        outcome = flow_pull(flow=flow)
    items = WorklistItem.objects.filter(category="schema_invalid", flow=flow.slug)
    assert outcome.invalid == items.count() > 0 and outcome.received == APPROVED - outcome.invalid
    item = items.first()
    assert item.status in ("open", "assigned") and "policyID" in item.detail and item.entity is None
    assert LedgerEntry.objects.filter(kind="document.received", outcome="rejected", connector="expensify").count() == (
        outcome.invalid
    )
    refused = {k for k, v in labels(data).items() if k.startswith("DE")}
    assert all(not labels(data)[k] for k in refused)  # not labelled: exported again
    flow.source.options = {**flow.source.options, "entity_by_policy": POLICIES}
    flow.source.save()
    with django_capture_on_commit_callbacks(execute=True):
        fixed = flow_pull(flow=flow)
    assert fixed.received == outcome.invalid and fixed.invalid == 0
    assert set(items.values_list("status", flat=True)) == {"resolved"}  # closed by the valid pull


def test_rate_limit_answers_are_retried_after_retry_after_then_recorded_without_failing_the_flow(
    tmp_path, entities, it_admin, django_capture_on_commit_callbacks
):
    from apps.sync.services.runs import sync_run_create

    with run_platform("expensify", tmp_path / "limited", rate_limit=2) as url:
        flow = expensify_flow(it_admin, entities, url)
        run = sync_run_create(flow=flow, trigger="manual", actor="test")
        with django_capture_on_commit_callbacks(execute=True):
            first = flow_pull(flow=flow, run=run)  # jobs 1 and 2; the label (job 3) is refused
        waits = []
        second = flow_pull(flow=flow, run=run, sleep=waits.append)
    assert first.received == APPROVED and first.error == ""
    assert LedgerEntry.objects.get(kind="pull.marked_exported").outcome == "failed"
    assert waits == [60.0, 60.0]  # Expensify's rate-limit answer: wait a minute, twice, then give up
    assert RATE_LIMIT_MESSAGE in second.error
    run.refresh_from_db()
    assert run.failed == 1 and RATE_LIMIT_MESSAGE in run.message


def test_refused_credentials_pause_the_connector_and_fail_the_pull_without_the_secret(platform, entities, it_admin):
    url, _ = platform
    flow = expensify_flow(it_admin, entities, url, secret="wrong-secret-value")
    outcome = flow_pull(flow=flow)
    flow.source.refresh_from_db()
    assert flow.source.auth_failed_at is not None and "credentials" in outcome.error
    assert "wrong-secret-value" not in outcome.error
    assert WorklistItem.objects.filter(category="auth_failure").exists()
    assert "paused" in flow_pull(flow=flow).error  # no call while paused


def test_a_connector_without_credential_fails_the_pull_with_a_reason_not_an_exception(platform, entities, it_admin):
    from apps.connectors.models import CredentialVersion

    url, _ = platform
    flow = expensify_flow(it_admin, entities, url)
    CredentialVersion.objects.filter(credential__connector=flow.source).update(status="revoked")
    outcome = flow_pull(flow=flow)
    assert "no active credential" in outcome.error and outcome.received == 0


def test_a_concur_flow_pulls_reports_with_expenses_and_allocations(tmp_path, entities, it_admin,
                                                                   django_capture_on_commit_callbacks):  # fmt: skip
    with run_platform("concur", tmp_path / "concur") as url:
        source = helpers.concur_connector(it_admin, url=url, entities=list(entities.values()))
        target = helpers.odoo_connector(it_admin, url="http://127.0.0.1:9", database="none", login="a", password="a")
        flow = helpers.flow(source, target, list(entities.values()), slug="concur-pull", trigger="manual")
        with django_capture_on_commit_callbacks(execute=True):
            outcome = flow_pull(flow=flow)
        with django_capture_on_commit_callbacks(execute=True):
            again = flow_pull(flow=flow)
    assert (outcome.received, outcome.invalid, outcome.error) == (APPROVED, 0, "")
    assert flow_cursor(flow) == outcome.cursor and outcome.cursor
    assert (again.received, again.duplicates) == (0, 1)  # the inclusive cursor re-reads the last report only
    documents = Document.objects.filter(source_connector="concur")
    assert {d.entity.code for d in documents} == {"US", "FR", "DE"}
    assert any(line.allocations for d in documents for line in d.canonical_document.lines)


# --- reversal of a superseded revision, Odoo 16+ ----------------------------------------------------------------


def test_the_reversal_of_a_superseded_revision_mirrors_the_original_taxes_on_odoo17(posting_setup):
    setup = posting_setup(version=17)
    first = helpers.receive(setup, helpers.report("R-77", revision=1))
    helpers.run(setup)
    first.refresh_from_db()
    assert first.state == "posted", first.state_reason
    second = helpers.receive(setup, helpers.report("R-77", revision=2,
                                                   lines=[helpers.line("R-77-1", amount="60.00")]))  # fmt: skip
    helpers.run(setup)
    second.refresh_from_db()
    assert second.state == "posted", second.state_reason

    fields = ["account_id", "debit", "credit", "tax_ids", "tax_line_id", "tax_repartition_line_id",
              "analytic_distribution", "name"]  # fmt: skip

    def lines(key):
        (move,) = setup.odoo("account.move", "search_read", [["ref", "=", key]], fields=["id", "state"])
        assert move["state"] == "posted"
        return setup.odoo("account.move.line", "search_read", [["move_id", "=", move["id"]]], fields=fields)

    original, reversal = lines(first.idempotency_key), lines(reversal_key(first.idempotency_key))
    assert not any("Automatic Balancing" in line["name"] for line in reversal)

    def facts(rows, swap=False):
        return sorted((line["account_id"][0], line["credit"] if swap else line["debit"],
                       line["debit"] if swap else line["credit"], tuple(line["tax_ids"]),
                       line["tax_repartition_line_id"] and line["tax_repartition_line_id"][0],
                       json.dumps(line["analytic_distribution"] or None, sort_keys=True)) for line in rows)  # fmt: skip

    assert facts(reversal) == facts(original, swap=True)  # every line mirrored, taxes and analytics included
    taxed = [line for line in reversal if line["tax_line_id"]]
    assert taxed and taxed[0]["credit"] == float(Decimal("7.08"))  # the VAT of 42.50 incl. 20 % is reversed
    assert any(line["tax_ids"] for line in reversal)
