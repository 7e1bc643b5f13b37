"""Card spend posted once whichever of the card transaction and the report arrives first; receipt thresholds
per entity. Against the sandbox over sockets; every scenario driven twice."""

from decimal import Decimal

import pytest

from apps.documents.models import Document
from apps.ledger.models import LedgerEntry
from apps.sync.models import CardSpend, EntityPolicy
from apps.worklist.models import WorklistItem
from tests.sync import helpers

pytestmark = pytest.mark.django_db  # the sandbox is another process: no commit needed here


def card_transaction(source_id="TX-9", amount="42.50"):
    return {"type": "card_transaction", "id": source_id, "entity": "FR", "employee": {"email": "someone@example.com"},
            "card_last4": "4242", "date": "2026-11-20", "amount": amount, "currency": "EUR", "merchant": "G7",
            "category": "TAXI", "tax_code": "FR-20", "project": "PRJ-ALPHA", "cost_centre": "CC-SALES",
            "receipt": True}  # fmt: skip


def report_paid_partly_by_card(source_id="R-CARD"):
    return helpers.report(source_id, lines=[
        helpers.line(f"{source_id}-1", amount="20.00", merchant="Boulangerie"),
        helpers.line(f"{source_id}-2", amount="42.50", payment="company", card_transaction_id="TX-9"),
    ])  # fmt: skip


@pytest.fixture
def both_flows(posting_setup):
    setup = posting_setup(17)
    cards = helpers.flow(setup.source, setup.target, [setup.entity], slug="cards", object_type="card_transaction",
                         trigger="manual")  # fmt: skip
    return setup, cards


def run_both(setup, cards):
    for _ in range(2):
        helpers.run(setup)
        helpers.run(helpers.with_flow(setup, cards))


def move_lines(setup, key) -> list[dict]:
    return setup.odoo("account.move.line", "search_read", [["move_id.ref", "=", key]],
                      fields=["account_id", "debit", "credit", "journal_id", "partner_id"])  # fmt: skip


def test_card_transaction_first_then_report_posts_the_card_spend_once(both_flows):
    setup, cards = both_flows
    card = helpers.receive(setup, card_transaction())
    helpers.run(helpers.with_flow(setup, cards))
    report = helpers.receive(setup, report_paid_partly_by_card())
    run_both(setup, cards)
    card.refresh_from_db()
    report.refresh_from_db()
    assert (card.state, report.state) == ("posted", "posted"), (card.state_reason, report.state_reason)
    card_lines = move_lines(setup, card.idempotency_key)
    assert {r["journal_id"][1] for r in card_lines} == {"Corporate Card"}
    assert [r["account_id"][1][:4] for r in card_lines if r["credit"]] == ["2150"]  # card clearing
    report_lines = move_lines(setup, report.idempotency_key)
    debits = sorted((r["account_id"][1][:4], r["debit"]) for r in report_lines if r["debit"])
    assert debits == [("2300", 3.33), ("6100", 16.67)]  # only the employee's own line: net and its VAT
    assert [(r["account_id"][1][:4], r["credit"]) for r in report_lines if r["credit"]] == [("2110", 20.0)]
    spend = CardSpend.objects.get(card_transaction_id="TX-9")
    assert (spend.owner_id, spend.matched_id) == (card.pk, report.pk)
    assert setup.count("account.move", []) == 2


def test_report_first_then_card_transaction_settles_by_match_without_a_second_entry(both_flows):
    setup, cards = both_flows
    report = helpers.receive(setup, report_paid_partly_by_card())
    helpers.run(setup)
    card = helpers.receive(setup, card_transaction())
    run_both(setup, cards)
    card.refresh_from_db()
    report.refresh_from_db()
    assert (card.state, report.state) == ("posted", "posted"), (card.state_reason, report.state_reason)
    lines = move_lines(setup, report.idempotency_key)
    assert sorted((r["account_id"][1][:4], r["credit"]) for r in lines if r["credit"]) == [
        ("2110", 20.0),  # the employee's payable, gross
        ("2150", 42.5),  # the card's clearing account, gross
    ]
    assert setup.moves(card.idempotency_key) == []
    assert card.odoo_model == "account.move" and card.odoo_ids == report.odoo_ids
    assert LedgerEntry.objects.filter(kind="card_transaction.matched", document=card.idempotency_key).count() == 1
    assert setup.count("account.move", []) == 1


def test_a_card_transaction_and_its_report_line_are_not_suspected_duplicates(both_flows):
    setup, cards = both_flows
    helpers.receive(setup, card_transaction())
    helpers.receive(setup, report_paid_partly_by_card())
    run_both(setup, cards)
    assert not WorklistItem.objects.filter(category="duplicate_suspected").exists()
    assert set(Document.objects.values_list("state", flat=True)) == {"posted"}


def test_the_entity_receipt_threshold_wins_over_the_flows(posting_setup):
    setup = posting_setup(17)
    assert setup.flow.receipt_threshold == Decimal(75)
    EntityPolicy.objects.create(entity=setup.entity, receipt_threshold=Decimal("20.00"))
    held = helpers.receive(setup, helpers.report("R-NORECEIPT", lines=[helpers.line("R-NR-1", receipt=False)]))
    for _ in range(2):
        helpers.run(setup)
    held.refresh_from_db()
    assert held.state == "held"
    assert list(WorklistItem.objects.filter(document=held).values_list("category", flat=True)) == ["missing_receipt"]
    EntityPolicy.objects.filter(entity=setup.entity).update(receipt_threshold=None)  # back to the flow's 75
    posted = helpers.receive(setup, helpers.report("R-NORECEIPT-2", lines=[helpers.line("R-NR2-1", receipt=False,
                                                                                        merchant="Uber")]))  # fmt: skip
    for _ in range(2):
        helpers.run(setup)
    posted.refresh_from_db()
    assert posted.state == "posted", posted.state_reason
