"""Reimbursement status back: payment states read from the Odoo sandbox over sockets, documents confirmed,
each change sent once to the platform as a signed webhook and ledgered."""

import pytest

from apps.ledger.models import LedgerEntry
from apps.reporting.models import ReimbursementStatus
from apps.reporting.services.status import combine, reimbursement_status_check
from tests.reporting.conftest import DATABASES

pytestmark = pytest.mark.django_db(databases=DATABASES)


def messages_for(receiver, document) -> list[str]:
    return [m["data"]["payment_state"] for m in receiver.of_type("reimbursement.status_changed")
            if m["data"]["document"] == document.idempotency_key]  # fmt: skip


def test_paid_entry_confirms_the_document_and_is_sent_once(posted, receiver):
    setup, (paid, unpaid) = posted(count=2)
    setup.sandbox.pay(move_ids=paid.odoo_ids)

    run = reimbursement_status_check()

    paid.refresh_from_db()
    unpaid.refresh_from_db()
    assert run.status == "succeeded", run.message
    assert (paid.state, unpaid.state) == ("confirmed", "posted")
    assert messages_for(receiver, paid) == ["paid"]
    assert messages_for(receiver, unpaid) == ["not_paid"]
    assert not receiver.refused
    sent = LedgerEntry.objects.filter(kind="reimbursement.status_sent", document=paid.idempotency_key)
    assert [(e.outcome, e.connector) for e in sent] == [("ok", setup.source.slug)]
    assert LedgerEntry.objects.filter(kind="reimbursement.status_read", document=paid.idempotency_key).count() == 1
    assert LedgerEntry.objects.filter(kind="document.confirmed", document=paid.idempotency_key).count() == 1


def test_a_second_run_sends_nothing_and_ledgers_nothing_new(posted, receiver):
    setup, (document,) = posted(count=1)
    setup.sandbox.pay(move_ids=document.odoo_ids)
    reimbursement_status_check()
    before = (len(receiver.messages), LedgerEntry.objects.count())

    run = reimbursement_status_check()

    assert run.counts.get("changed", 0) == 0 and run.counts.get("sent", 0) == 0
    assert (len(receiver.messages), LedgerEntry.objects.count()) == before


def test_payment_after_the_first_read_is_sent_as_a_change(posted, receiver):
    setup, (document,) = posted(count=1)
    reimbursement_status_check()
    setup.sandbox.pay(move_ids=document.odoo_ids)

    reimbursement_status_check()

    document.refresh_from_db()
    assert document.state == "confirmed"
    assert messages_for(receiver, document) == ["not_paid", "paid"]
    paid = receiver.of_type("reimbursement.status_changed")[-1]["data"]
    assert paid["previous_state"] == "not_paid"


def test_a_refused_delivery_is_retried_and_the_odoo_state_is_kept(posted, receiver):
    setup, (document,) = posted(count=1)
    setup.sandbox.pay(move_ids=document.odoo_ids)
    receiver.status = 503

    run = reimbursement_status_check()

    status = ReimbursementStatus.objects.get(document=document)
    document.refresh_from_db()
    assert run.counts["send_failed"] == 1
    assert document.state == "confirmed"  # Odoo's fact does not wait for the platform
    assert (status.payment_state, status.sent_state, status.send_attempts) == ("paid", "", 1)
    assert LedgerEntry.objects.filter(kind="reimbursement.status_sent", outcome="failed").count() == 1
    receiver.status = 200
    ReimbursementStatus.objects.filter(pk=status.pk).update(updated_at=status.updated_at.replace(year=2000))

    reimbursement_status_check()

    assert messages_for(receiver, document) == ["paid"]
    assert ReimbursementStatus.objects.get(pk=status.pk).sent_state == "paid"


def test_an_entry_gone_from_odoo_is_recorded_and_not_sent(posted, receiver):
    setup, (document,) = posted(count=1)
    setup.odoo("account.move", "button_draft", document.odoo_ids)

    run = reimbursement_status_check()

    assert run.counts["unposted"] == 1
    assert ReimbursementStatus.objects.get(document=document).payment_state == "unposted"
    assert messages_for(receiver, document) == []
    assert (
        LedgerEntry.objects.get(kind="reimbursement.status_read", document=document.idempotency_key).outcome == "failed"
    )


def test_a_paid_expense_report_of_the_odoo_expense_flow_is_confirmed(posted, receiver):
    setup, (document,) = posted(count=1, posting_mode="expense")
    assert document.odoo_model == "hr.expense.sheet"
    setup.sandbox.pay(sheet_ids=document.odoo_ids)

    reimbursement_status_check()

    document.refresh_from_db()
    assert document.state == "confirmed"
    assert messages_for(receiver, document) == ["paid"]
    assert ReimbursementStatus.objects.get(document=document).odoo_amount is not None


@pytest.mark.parametrize(
    ("states", "expected"),
    [(["paid"], "paid"), (["paid", "in_payment"], "in_payment"), (["paid", "not_paid"], "partial"),
     (["not_paid"], "not_paid"), (["reversed"], "reversed"), (["paid", "missing"], "missing"), ([], "missing")],
)  # fmt: skip
def test_document_payment_state_combines_its_records(states, expected):
    assert combine(states) == expected
