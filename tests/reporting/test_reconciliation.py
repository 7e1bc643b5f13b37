"""Reconciliation per entity and period: received ↔ ledger ↔ Odoo (read live from the sandbox) ↔ reporting store;
zero differences on a clean run, each tampered document pinpointed, worklist items opened and resolved."""

from datetime import date

import pytest

from apps.reporting.models import FactExpenseLine, ReconciliationRun
from apps.reporting.router import store_alias
from apps.reporting.services.publication import publish_changes
from apps.reporting.services.reconciliation import (
    ReconciliationError,
    reconciliation_execute,
    reconciliation_request,
    reconciliation_scheduled,
)
from apps.worklist.models import WorklistItem
from tests.reporting.conftest import DATABASES

pytestmark = pytest.mark.django_db(databases=DATABASES)
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def reconcile(setup, actor="test"):
    run = reconciliation_request(entity=setup.entity, start=NOVEMBER[0], end=NOVEMBER[1], actor=actor)
    return reconciliation_execute(run.pk)


def kinds(run) -> dict[str, set[str]]:
    out = {}
    for difference in run.differences.all():
        out.setdefault(difference.kind, set()).add(difference.document_key)
    return out


@pytest.fixture
def published(posted):
    setup, documents = posted(count=3)
    publish_changes()
    return setup, documents


def test_a_clean_run_has_zero_differences_and_equal_sides(published):
    setup, _documents = published

    run = reconcile(setup)

    assert run.status == "done", run.message
    assert run.differences_count == 0, kinds(run)
    summary = run.summary
    assert [summary[side]["count"] for side in ("received", "ledger", "odoo", "reporting")] == [3, 3, 3, 3]
    assert summary["received"]["total"] == summary["reporting"]["total"] == "190.50"
    assert summary["reporting"]["rows"] == 6
    assert summary["odoo_calls"] >= 2
    assert not WorklistItem.objects.filter(subject_key__startswith="reconciliation:").exists()


def test_each_tampered_document_is_pinpointed(published):
    setup, (deleted, dropped, duplicated) = published
    setup.odoo("account.move", "button_draft", deleted.odoo_ids)
    setup.odoo("account.move", "unlink", deleted.odoo_ids)
    FactExpenseLine.objects.using(store_alias()).filter(
        document_key=dropped.idempotency_key, line_id="R-002-2"
    ).delete()
    inject_duplicate(setup, duplicated)

    run = reconcile(setup)

    assert kinds(run) == {
        "missing_in_odoo": {deleted.idempotency_key},
        "amount_differs_reporting": {dropped.idempotency_key},
        "duplicate_in_odoo": {duplicated.idempotency_key},
    }
    assert run.summary["odoo"]["count"] == 3  # one gone, one twice
    assert run.summary["reporting"]["rows"] == 5
    items = WorklistItem.objects.filter(subject_key__startswith="reconciliation:FR:2026-11-01:2026-11-30:")
    assert {(i.category, i.document_id) for i in items} == {
        ("reconciliation_difference", deleted.pk),
        ("reconciliation_difference", dropped.pk),
        ("reconciliation_difference", duplicated.pk),
    }


def test_a_difference_that_is_fixed_resolves_its_worklist_item(published):
    setup, (_a, dropped, _c) = published
    FactExpenseLine.objects.using(store_alias()).filter(document_key=dropped.idempotency_key).delete()
    first = reconcile(setup)
    assert kinds(first) == {"missing_in_reporting": {dropped.idempotency_key}}
    from apps.reporting.services.publication import publish_period

    publish_period(entity=setup.entity, start=NOVEMBER[0], end=NOVEMBER[1])
    second = reconcile(setup)

    assert second.differences_count == 0
    item = WorklistItem.objects.get(subject_key__startswith="reconciliation:FR:")
    assert (item.status, item.resolution) == ("resolved", "auto_resolved")


def test_a_document_held_before_posting_shows_as_not_posted_without_a_new_item(posting_setup):
    from tests.sync import helpers

    setup = posting_setup(version=17)
    document = helpers.receive(setup, helpers.report("R-900", email="nobody@example.com"))
    helpers.run(setup)
    document.refresh_from_db()
    assert document.state == "held"

    run = reconcile(setup)

    assert kinds(run) == {"not_posted": {document.idempotency_key}}
    assert not WorklistItem.objects.filter(subject_key__startswith="reconciliation:").exists()


def test_a_period_that_ends_before_it_starts_is_refused(entities):
    with pytest.raises(ReconciliationError, match="start on or before"):
        reconciliation_request(entity=entities["FR"], start=date(2026, 2, 1), end=date(2026, 1, 1), actor="test")


@pytest.mark.usefixtures("published")
def test_the_scheduled_run_reconciles_this_month_and_the_last():
    ids = reconciliation_scheduled(today=date(2026, 12, 3))

    runs = ReconciliationRun.objects.filter(pk__in=ids).order_by("period_start")
    assert [(r.entity.code, r.period_start, r.status) for r in runs] == [
        ("FR", date(2026, 11, 1), "done"),
        ("FR", date(2026, 12, 1), "done"),
    ]
    assert runs[0].summary["received"]["count"] == 3 and runs[0].differences_count == 0


def inject_duplicate(setup, document):
    """A second posted entry in Odoo under the same reference (as a double posting would leave)."""
    (move,) = setup.odoo("account.move", "read", document.odoo_ids, fields=["journal_id", "date", "ref"])
    lines = setup.odoo("account.move.line", "search_read", [["move_id", "=", move["id"]]],
                       fields=["account_id", "name", "debit", "credit", "partner_id"])  # fmt: skip
    vals = [(0, 0, {"account_id": line["account_id"][0], "name": line["name"], "debit": line["debit"],
                    "credit": line["credit"]}) for line in lines]  # fmt: skip
    new = setup.odoo(
        "account.move",
        "create",
        {
            "journal_id": move["journal_id"][0],
            "date": move["date"],
            "ref": move["ref"],
            "move_type": "entry",
            "line_ids": vals,
        },
    )
    setup.odoo("account.move", "action_post", [new])


def test_expense_reports_of_the_odoo_expense_flow_reconcile_clean(posted):
    setup, _documents = posted(count=2, posting_mode="expense")
    publish_changes()

    run = reconcile(setup)

    assert run.differences_count == 0, kinds(run)
    assert run.summary["odoo"]["count"] == 2
    assert run.summary["odoo"]["total"] == run.summary["received"]["total"]
