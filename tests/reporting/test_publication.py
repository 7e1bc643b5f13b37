"""Publication to the reporting store: the star schema filled from posted documents, incremental and
idempotent, every batch ledgered; the store answers spend by department and project as Odoo does."""

import json
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connections, transaction
from django.utils import timezone

from apps.documents.models import Document
from apps.ledger.models import LedgerEntry
from apps.reporting.models import DimDate, DimEmployee, FactExpenseLine, PublicationBatch, PublicationWatermark
from apps.reporting.router import store_alias
from apps.reporting.services.publication import OVERLAP, publish_changes, publish_period
from apps.reporting.services.status import reimbursement_status_check
from tests.reporting.conftest import DATABASES

pytestmark = pytest.mark.django_db(databases=DATABASES)

SPEND_SQL = """
    SELECT d.name, p.code, SUM(f.net_amount_company)
    FROM fact_expense_line f
    JOIN dim_entity e ON e.id = f.entity_id
    LEFT JOIN dim_department d ON d.id = f.department_id
    LEFT JOIN dim_project p ON p.id = f.project_id
    WHERE e.code = %s AND f.status <> 'superseded'
    GROUP BY d.name, p.code
"""


def facts():
    return FactExpenseLine.objects.using(store_alias())


def test_posted_documents_become_fact_rows_with_their_dimensions(posted):
    _setup, documents = posted(count=3)

    result = publish_changes()

    assert result.rows_seen == result.inserted == 6
    row = (
        facts()
        .select_related("entity", "employee", "department", "project", "account", "expense_date")
        .get(document_key=documents[0].idempotency_key, line_id="R-001-1")
    )
    assert (row.entity.code, row.employee.email, row.project.code) == ("FR", "simon.taylor@example.com", "PRJ-ALPHA")
    assert row.department is not None and row.account.code == "6100"
    assert (row.amount, row.currency, row.amount_company, row.company_currency) == (
        Decimal("42.5000"),
        "EUR",
        Decimal("42.5000"),
        "EUR",
    )
    assert row.tax_amount == Decimal("7.0800") and row.net_amount == Decimal("35.4200")  # FR-20 included
    assert row.status == "posted" and row.odoo_model == "account.move" and row.odoo_ids == str(documents[0].odoo_ids[0])
    assert row.expense_date.date.isoformat() == "2026-11-20"
    assert DimEmployee.objects.using(store_alias()).filter(email="someone@example.com").exists()


def test_every_batch_is_ledgered_with_row_counts_and_totals(posted):
    posted(count=2)

    result = publish_changes()

    (batch,) = PublicationBatch.objects.using(store_alias()).all()
    entry = LedgerEntry.objects.select_related("payload_row").get(kind="reporting.batch_published")
    assert batch.ledger_sequence == entry.sequence and result.batches == [batch.pk]
    payload = json.loads(entry.payload_row.body)
    assert (payload["inserted"], payload["documents"], payload["totals"]) == (4, 2, {"EUR": "127.00"})


def test_publishing_again_changes_nothing(posted):
    posted(count=2)
    publish_changes()
    before = (list(facts().values_list("id", "digest", "batch_id", "published_at")), LedgerEntry.objects.count(),
              PublicationBatch.objects.using(store_alias()).count())  # fmt: skip

    result = publish_changes()

    assert (result.written, result.unchanged) == (0, 4)
    after = (list(facts().values_list("id", "digest", "batch_id", "published_at")), LedgerEntry.objects.count(),
             PublicationBatch.objects.using(store_alias()).count())  # fmt: skip
    assert after == before


def test_a_payment_updates_the_rows_and_publishes_the_document(posted):
    setup, (paid, unpaid) = posted(count=2)
    publish_changes()
    setup.sandbox.pay(move_ids=paid.odoo_ids)
    reimbursement_status_check()

    result = publish_changes()

    assert result.updated == 2 + 2 and result.inserted == 0  # both documents' rows gain a reimbursement state
    states = dict(facts().filter(line_id__endswith="-1").values_list("document_key", "reimbursement_state"))
    assert states == {paid.idempotency_key: "paid", unpaid.idempotency_key: "not_paid"}
    paid.refresh_from_db()
    assert paid.state == "published"
    assert set(facts().filter(document_key=paid.idempotency_key).values_list("status", flat=True)) == {"published"}
    assert publish_changes().written == 0


def test_spend_by_department_and_project_matches_odoo(posted):
    setup, documents = posted(count=4, amounts=("42.50", "21.00", "100.00"))
    publish_changes()

    with connections[store_alias()].cursor() as cursor:
        cursor.execute(SPEND_SQL, ["FR"])
        store = {(d, p): Decimal(str(net)).quantize(Decimal("0.01")) for d, p, net in cursor.fetchall()}

    assert store == odoo_spend(setup, documents)
    assert len(store) == 4  # two departments × two projects


def odoo_spend(setup, documents) -> dict:
    """(department, project) → spend (the expense accounts' debits, net of deductible VAT), from Odoo alone:
    the documents' entries found by their reference, their analytic accounts, their employees' departments."""
    projects = {str(a["id"]): a["code"] for a in setup.odoo("account.analytic.account", "search_read",
                                                           [["code", "=like", "PRJ-%"]], fields=["code"])}  # fmt: skip
    expense_accounts = {a["id"] for a in setup.odoo("account.account", "search_read", [["code", "=like", "6%"]],
                                                    fields=["id"])}  # fmt: skip
    out = defaultdict(Decimal)
    for document in documents:
        employee = setup.odoo("hr.employee", "search_read", [["work_email", "=", document.employee_email]],
                              fields=["department_id"])[0]  # fmt: skip
        (move,) = setup.odoo("account.move", "search_read", [["ref", "=", document.idempotency_key]], fields=["id"])
        for line in setup.odoo("account.move.line", "search_read", [["move_id", "=", move["id"]]],
                               fields=["debit", "account_id", "analytic_distribution"]):  # fmt: skip
            if line["account_id"][0] in expense_accounts:
                project = next(projects[k] for k in line["analytic_distribution"] if k in projects)
                out[(employee["department_id"][1], project)] += Decimal(str(line["debit"]))
    return {k: v.quantize(Decimal("0.01")) for k, v in out.items()}


def test_republishing_a_period_restores_a_dropped_row(posted):
    setup, documents = posted(count=2)
    publish_changes()
    facts().filter(document_key=documents[1].idempotency_key, line_id="R-002-2").delete()
    later = timezone.now() + OVERLAP * 2  # as if the drop happened long after the last change
    PublicationWatermark.objects.using(store_alias()).update(changed_at=later)
    assert publish_changes().written == 0  # nothing changed in the sources: the watermark skips it

    result = publish_period(entity=setup.entity, start=DimDate.objects.using(store_alias()).first().date.replace(day=1),
                            end=DimDate.objects.using(store_alias()).first().date.replace(day=30))  # fmt: skip

    assert result.inserted == 1 and result.unchanged == 3
    assert facts().filter(document_key=documents[1].idempotency_key).count() == 2


def test_a_document_that_left_the_posted_states_leaves_the_store_on_republish(posted):
    setup, documents = posted(count=2)
    publish_changes()
    Document.objects.filter(pk=documents[0].pk).update(state="held")

    result = publish_period(entity=setup.entity, start=documents[0].lines.first().date.replace(day=1),
                            end=documents[0].lines.first().date.replace(day=30))  # fmt: skip

    assert result.deleted == 2
    assert not facts().filter(document_key=documents[0].idempotency_key).exists()


def test_a_posted_document_that_is_then_rejected_leaves_the_store(posted):
    _setup, (kept, rejected) = posted(count=2)
    publish_changes()
    Document.objects.filter(pk=rejected.pk).update(state="rejected", updated_at=timezone.now())

    result = publish_changes()

    assert result.deleted == 2
    assert set(facts().values_list("document_key", flat=True)) == {kept.idempotency_key}


def test_rows_believed_new_that_exist_after_all_are_updated_not_refused(posted):
    """A first publication COPYs straight into the table (PostgreSQL); a concurrent publisher's rows make it fall
    back to the upsert instead of failing the batch."""
    from apps.reporting.services.publication import COLUMNS, upsert

    posted(count=1)
    publish_changes()
    rows = list(facts().values(*[f.attname for f in COLUMNS]))
    for row in rows:
        row["status"] = "elsewhere"

    with transaction.atomic(using=store_alias()):
        upsert(store_alias(), rows, batch_id=99, published_at=timezone.now(), new=True)

    assert set(facts().values_list("status", "batch_id")) == {("elsewhere", 99)}
    assert facts().count() == len(rows)
