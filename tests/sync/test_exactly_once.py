"""Exactly once against the Odoo sandbox over sockets: repeated deliveries, racing workers, connections dropped
after Odoo's commit, 429 bursts, refusals, authentication failures. Every scenario is driven twice and the
sandbox is counted over XML-RPC: nothing may be doubled."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from apps.connectors.models import Connector
from apps.connectors.services import credential_version_activate, credential_version_add, credential_version_test
from apps.documents.models import Document
from apps.ledger.models import LedgerEntry
from apps.sync.posting.keys import MODULE, external_name
from apps.sync.services.posting import documents_post
from apps.sync.services.runs import retry_sweep
from apps.worklist.models import WorklistItem
from tests.sync import helpers

pytestmark = pytest.mark.django_db  # the sandbox is another process: no commit needed here


def assert_posted_once(setup, document):
    """Posted in the console, one posted move in Odoo under its key, one external id, one posting entry."""
    document.refresh_from_db()
    assert document.state == "posted", document.state_reason
    moves = setup.moves(document.idempotency_key)
    assert [m["state"] for m in moves] == ["posted"]
    name = external_name(document.idempotency_key)
    assert setup.count("ir.model.data", [["module", "=", MODULE], ["name", "=", name]]) == 1
    assert document.odoo_ids == [moves[0]["id"]]
    entries = LedgerEntry.objects.filter(kind="journal_entry.posted", document=document.idempotency_key)
    assert entries.count() == 1


@pytest.mark.django_db(transaction=True)  # commits: threads / after-commit tasks see the rows
def test_same_webhook_delivered_three_times_posts_one_entry_in_odoo(posting_setup, inline_tasks):
    setup = posting_setup(17, trigger="webhook")
    body, headers = helpers.signed(helpers.report("R-3X"), msg_id="msg_three_times")
    for _ in range(2):  # the whole scenario twice: nothing may double
        answers = [Client().post("/hooks/platform/", data=body, content_type="application/json", **headers)
                   for _ in range(3)]  # fmt: skip
        assert answers[0].status_code in (200, 202) and {a.status_code for a in answers[1:]} == {200}
        retry_sweep(now=timezone.now() + timedelta(hours=2))
    document = Document.objects.get()
    assert_posted_once(setup, document)


@pytest.mark.django_db(transaction=True)  # commits: threads / after-commit tasks see the rows
def test_two_workers_racing_on_one_document_post_it_once(posting_setup):
    setup = posting_setup(17)
    document = helpers.receive(setup, helpers.report("R-RACE"))
    helpers.prepare(setup, document)
    for _ in range(2):
        outcomes, barrier = [], threading.Barrier(2)

        def worker(outcomes=outcomes, barrier=barrier):
            try:
                barrier.wait(timeout=10)
                outcomes.append(documents_post(flow=setup.flow, document_ids=[document.pk]))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(outcomes) == 2
        assert sorted(o.posted for o in outcomes) in ([0, 1], [0, 0])
        assert sum(o.duplicates for o in outcomes) >= 1
    assert_posted_once(setup, document)


@pytest.mark.parametrize("method", ["create", "action_post"])
def test_connection_dropped_after_odoos_commit_is_recovered_by_lookup_not_a_second_create(posting_setup, method):
    setup = posting_setup(17)
    document = helpers.receive(setup, helpers.report("R-DROP"))
    setup.sandbox.set_faults({"drop_after_commit": {"model": "account.move", "method": method, "count": 1}})
    helpers.run(setup)
    document.refresh_from_db()
    assert document.state == "mapped" and document.next_attempt_at is not None  # released for a retry
    assert setup.count("account.move", [["ref", "=", document.idempotency_key]]) == 1  # Odoo did commit
    for _ in range(2):
        retry_sweep(now=timezone.now() + timedelta(hours=2))
    assert_posted_once(setup, document)
    posted = LedgerEntry.objects.get(kind="journal_entry.posted", document=document.idempotency_key)
    assert posted.outcome == "duplicate"  # found by look-up (an earlier attempt created it), not created again


def test_429_with_retry_after_waits_at_least_that_long_then_posts(posting_setup):
    setup = posting_setup(17)
    document = helpers.receive(setup, helpers.report("R-429"))
    setup.sandbox.set_faults({"status_burst": {"status": 429, "count": 1, "retry_after": 600}})
    started = timezone.now()
    helpers.run(setup)
    document.refresh_from_db()
    assert document.state == "mapped" and document.attempts == 1
    assert document.next_attempt_at >= started + timedelta(seconds=599)  # Retry-After beats the 30 s backoff
    assert retry_sweep(now=started + timedelta(seconds=300)) == 0  # not due yet: not even tried
    for _ in range(2):
        retry_sweep(now=started + timedelta(seconds=601))
    assert_posted_once(setup, document)


def test_odoo_refusal_holds_the_document_with_odoos_own_words(posting_setup, controller):
    setup = posting_setup(17)
    helpers.master(setup.entity, "accounts", 999999, code="999999", name="Ghost")
    helpers.active_mapping(setup.entity, "category", controller, [("TAXI", "account.account", 999999)])
    document = helpers.receive(setup, helpers.report("R-REFUSED"))
    for _ in range(2):
        helpers.run(setup)
    document.refresh_from_db()
    assert document.state == "held" and document.failed_stage == "post"
    item = WorklistItem.objects.get(document=document)
    odoo_text = helpers.odoo_error(setup, "account.move", "create", [{
        "journal_id": 6, "move_type": "entry", "line_ids": [(0, 0, {"account_id": 999999, "debit": 1.0}),
                                                           (0, 0, {"account_id": 17, "credit": 1.0})]}])  # fmt: skip
    assert item.stage == "post" and odoo_text and odoo_text.strip() in item.detail
    assert setup.count("account.move", [["ref", "=", document.idempotency_key]]) == 0  # nothing half-posted


def test_auth_failure_pauses_the_connector_and_documents_wait_without_using_attempts(posting_setup, it_admin):
    setup = posting_setup(17, secret="not-the-password")
    document = helpers.receive(setup, helpers.report("R-AUTH"))
    for _ in range(2):
        helpers.run(setup)
        retry_sweep(now=timezone.now() + timedelta(hours=2))
    document.refresh_from_db()
    assert document.state == "mapped" and document.attempts == 0  # waiting, not failing
    assert Connector.objects.get(pk=setup.target.pk).auth_failed_at is not None
    assert WorklistItem.objects.filter(category="auth_failure", status__in=("open", "assigned")).count() == 1
    assert setup.count("account.move", [["ref", "=", document.idempotency_key]]) == 0
    version = credential_version_add(connector=setup.target, kind="password", secret=setup.sandbox.password,
                                     reason="fix the password", actor=it_admin)  # fmt: skip
    assert credential_version_test(version=version, reason="check", actor=it_admin)["ok"]
    credential_version_activate(version=version, reason="fixed", actor=it_admin)
    for _ in range(2):
        retry_sweep()
    assert_posted_once(setup, document)


@pytest.mark.parametrize("version, protocol", [(17, "xmlrpc"), (19, "json2"), (16, "jsonrpc")])
def test_journal_entry_carries_analytic_distribution_taxes_and_employee_partner(posting_setup, version, protocol):
    setup = posting_setup(version, protocol=protocol)
    lines = [helpers.line("R-AN-1", amount="60.00", project="PRJ-ALPHA", cost_centre="CC-SALES"),
             helpers.line("R-AN-2", amount="40.00", project="PRJ-BETA", cost_centre="", tax_code="FR-10")]  # fmt: skip
    document = helpers.receive(setup, helpers.report("R-AN", lines=lines))
    for _ in range(2):
        helpers.run(setup)
    assert_posted_once(setup, document)
    move = setup.moves(document.idempotency_key)[0]
    fields = ["account_id", "debit", "credit", "analytic_distribution", "tax_ids", "partner_id", "tax_line_id"]
    rows = setup.odoo("account.move.line", "search_read", [["move_id", "=", move["id"]]], fields=fields)
    debits = sorted((r for r in rows if r["debit"] and not r["tax_line_id"]), key=lambda r: -r["debit"])
    assert debits[0]["analytic_distribution"] == {"1": 100.0, "4": 100.0}
    assert debits[1]["analytic_distribution"] == {"2": 100.0}
    assert [r["tax_ids"] for r in debits] == [[2], [3]]
    assert debits[0]["account_id"][1].startswith("6100")
    credit = next(r for r in rows if r["credit"])
    assert credit["partner_id"][1] == "Sam Someone"
    assert move["journal_id"][1] == "Miscellaneous Operations"
