"""CSV / XLSX drop: presets, column mapping, all-or-nothing with every bad line reported exactly."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from apps.documents.errors import TabularError
from apps.documents.file_import import document_file_import
from apps.documents.models import Document
from apps.documents.normalize.tabular import normalize_table, read_csv, read_xlsx

CANONICAL_CSV = """report_id,entity,employee_email,approved_at,date,amount,currency,category,tax_code,project,cost_centre,receipt,payment
R-1,FR,camille@example.com,2026-11-28 10:00:00,2026-11-20,42.50,EUR,TAXI,FR-20,PRJ-ALPHA,CC-SALES,yes,employee
R-1,FR,camille@example.com,,2026-11-21,18.90,EUR,MEALS,FR-10,PRJ-ALPHA,CC-SALES,no,employee
R-2,DE,lena@example.com,2026-11-28,2026-11-22,120.00,EUR,HOTEL,DE-7,,CC-RD,yes,company
"""  # noqa: E501
BAD_CSV = """report_id,entity,employee_email,date,amount,currency,category
R-1,FR,camille@example.com,2026-11-20,42.50,EUR,TAXI
R-1,FR,camille@example.com,2026-11-31,18.90,EUR,MEALS
R-2,FR,lena@example.com,2026-11-22,"1,200.00",EUR,HOTEL
R-3,FR,,2026-11-22,10.00,EURO,
"""


def table(text: str, **kwargs):
    header, rows = read_csv(text.encode())
    return normalize_table(header, rows, **kwargs)


def test_canonical_csv_groups_rows_into_reports_with_numbered_lines():
    items = table(CANONICAL_CSV)
    assert [(i.document.source_id, i.lines) for i in items] == [("R-1", (2, 3)), ("R-2", (4,))]
    first = items[0].document
    assert [line.id for line in first.lines] == ["R-1-1", "R-1-2"]
    assert first.total == Decimal("61.40") and first.lines[0].receipt is True and first.lines[1].receipt is False
    assert first.approved_at.isoformat() == "2026-11-28T10:00:00+00:00"  # no zone in a file means UTC
    assert items[1].document.lines[0].payment == "company"


def test_any_bad_row_fails_the_file_with_every_error_by_line_and_column():
    with pytest.raises(TabularError) as caught:
        table(BAD_CSV)
    assert caught.value.errors == [
        (3, "date", "'2026-11-31' is not a valid calendar date"),
        (4, "amount", "'1,200.00' is not a decimal number (digits, optional sign, '.' as decimal separator)"),
        (5, "category", "is required"),
        (5, "currency", "'EURO' is not an ISO 4217 currency code (e.g. EUR, USD)"),
        (5, "employee_email", "needs an email or an external_id"),
    ]


def test_report_level_values_must_agree_across_its_rows():
    text = CANONICAL_CSV.replace("R-1,FR,camille@example.com,,", "R-1,DE,camille@example.com,,")
    with pytest.raises(TabularError) as caught:
        table(text)
    assert caught.value.errors == [(3, "entity", "differs from line 2 of the same report")]


def test_missing_required_column_is_reported_on_the_header_line():
    with pytest.raises(TabularError) as caught:
        table("report_id,entity,date,amount,currency\nR-1,FR,2026-11-20,1.00,EUR\n")
    assert (1, "category", "this column is missing from the file") in caught.value.errors


def test_column_mapping_and_defaults_fill_what_the_file_names_differently():
    text = "Ref,Who,Day,Total (EUR),Kind\nA-1,x@example.com,2026-11-20,12.00,TAXI\n"
    mapping = {"report_id": "Ref", "employee_email": "Who", "date": "Day", "amount": "Total (EUR)", "category": "Kind"}
    (item,) = table(text, column_map=mapping, defaults={"entity": "FR", "currency": "EUR"})
    assert (item.document.entity, item.document.lines[0].amount, item.document.currency) == (
        "FR",
        Decimal("12.00"),
        "EUR",
    )


def test_mapping_an_unknown_field_is_an_error():
    with pytest.raises(TabularError) as caught:
        table(CANONICAL_CSV, column_map={"colour": "Colour"})
    assert caught.value.errors == [(1, "Colour", "'colour' is not a field that can be mapped")]


def test_expensify_preset_reads_its_columns_tags_and_reimbursable_flag():
    text = (
        "Report ID,Report Name,Submitter Email,Transaction ID,Date,Merchant,Amount,Currency,Category,Tag,"
        "Reimbursable\nR9,Nov,camille@example.com,T1,2026-11-20,G7,42.50,EUR,TAXI,CC-SALES:PRJ-ALPHA,Yes\n"
        "R9,Nov,camille@example.com,T2,2026-11-21,Amex,10.00,EUR,MEALS,CC-RD,No\n"
    )
    (item,) = table(text, preset="expensify_csv", defaults={"entity": "FR"})
    one, two = item.document.lines
    assert (one.id, one.cost_centre, one.project, one.payment) == ("T1", "CC-SALES", "PRJ-ALPHA", "employee")
    assert (two.cost_centre, two.project, two.payment) == ("CC-RD", "", "company")


def test_concur_preset_reads_company_code_payment_type_and_receipt_flag():
    text = (
        "Report ID,Company Code,Employee ID,Employee Email,Entry ID,Transaction Date,Expense Type,Vendor,"
        "Transaction Amount,Transaction Currency,Payment Type,Receipt Received,Cost Center\n"
        "C1,DE,E-17,lena@example.com,E1,2026-11-20,TRAIN,DB,89.90,EUR,Cash,Y,CC-RD\n"
        "C1,DE,E-17,lena@example.com,E2,2026-11-21,HOTEL,Ibis,120.00,EUR,Company Paid,N,CC-RD\n"
    )
    (item,) = table(text, preset="concur_csv")
    doc = item.document
    assert (doc.entity, doc.employee.external_id, doc.currency) == ("DE", "E-17", "EUR")
    assert [(line.payment, line.receipt) for line in doc.lines] == [("employee", True), ("company", False)]


def test_card_transactions_are_one_row_each():
    text = (
        "type,report_id,entity,employee_email,card_last4,date,amount,currency,category\n"
        "card_transaction,TX-1,FR,a@example.com,4242,2026-11-20,5.00,EUR,MEALS\n"
        "card_transaction,TX-2,FR,a@example.com,4242,2026-11-20,7.00,EUR,MEALS\n"
    )
    items = table(text)
    assert [(i.document.type, i.document.lines[0].id, i.document.lines[0].payment) for i in items] == [
        ("card_transaction", "TX-1", "company"),
        ("card_transaction", "TX-2", "company"),
    ]


def test_semicolon_separated_csv_with_bom_is_read():
    header, rows = read_csv(b"\xef\xbb\xbfreport_id;amount\nR-1;1.00\n")
    assert header == ["report_id", "amount"] and rows == [["R-1", "1.00"]]


def test_non_utf8_file_is_refused_with_a_hint():
    with pytest.raises(TabularError, match="not UTF-8"):
        read_csv("montant;catégorie\n".encode("latin-1"))


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_numbers_and_dates_are_read_exactly():
    from datetime import datetime

    data = _xlsx(
        [
            ["report_id", "entity", "employee_email", "date", "amount", "currency", "category"],
            ["R-1", "FR", "a@example.com", datetime(2026, 11, 20), 42.5, "EUR", "TAXI"],
            ["R-1", "FR", "a@example.com", datetime(2026, 11, 21), 7, "EUR", "MEALS"],
        ]
    )
    (item,) = normalize_table(*read_xlsx(data))
    assert [(str(line.date), line.amount) for line in item.document.lines] == [
        ("2026-11-20", Decimal("42.5")),
        ("2026-11-21", Decimal("7")),
    ]


def test_xlsx_bad_cell_is_reported_with_its_spreadsheet_line():
    data = _xlsx(
        [
            ["report_id", "entity", "employee_email", "date", "amount", "currency", "category"],
            ["R-1", "FR", "a@example.com", "2026-11-20", "abc", "EUR", "TAXI"],
        ]
    )
    with pytest.raises(TabularError) as caught:
        normalize_table(*read_xlsx(data))
    assert caught.value.errors == [
        (2, "amount", "'abc' is not a decimal number (digits, optional sign, '.' as decimal separator)")
    ]


def test_file_that_is_not_a_workbook_is_refused():
    with pytest.raises(TabularError, match="not an Excel"):
        read_xlsx(b"PK\x03\x04 not really")


# --- the import service ----------------------------------------------------------------------------------


@pytest.fixture
def importer(superuser):
    return superuser


def test_import_creates_every_document_and_re_import_creates_nothing(importer, entities, ledger_of):
    result = document_file_import(data=CANONICAL_CSV.encode(), filename="nov.csv", actor=importer)
    assert (len(result.created), len(result.duplicates), result.lines) == (2, 0, 3)
    again = document_file_import(data=CANONICAL_CSV.encode(), filename="nov.csv", actor=importer)
    assert (len(again.created), len(again.duplicates)) == (0, 2)
    assert Document.objects.count() == 2
    _, _, payload = ledger_of("file-upload:expense_report:R-1:1")[0]
    assert payload["raw"]["lines"] == [2, 3] and payload["raw"]["rows"][0]["category"] == "TAXI"


def test_import_with_one_bad_row_imports_nothing_and_records_the_refusal(importer, entities):
    from apps.ledger.models import LedgerEntry

    with pytest.raises(TabularError):
        document_file_import(data=BAD_CSV.encode(), filename="bad.csv", actor=importer)
    assert Document.objects.count() == 0
    entry = LedgerEntry.objects.filter(kind="document.received", outcome="rejected").get()
    assert entry.connector == "file-upload" and "5 problem(s)" in entry.reason


def test_import_with_an_unknown_entity_rolls_back_the_documents_before_it(importer, entities):
    text = CANONICAL_CSV.replace("R-2,DE,", "R-2,XX,")
    with pytest.raises(TabularError) as caught:
        document_file_import(data=text.encode(), filename="nov.csv", actor=importer)
    assert caught.value.errors == [(4, "entity", "'XX' is not a legal entity known to the console")]
    assert Document.objects.count() == 0


def test_controller_imports_only_for_their_entities(controller):
    with pytest.raises(TabularError) as caught:
        document_file_import(data=CANONICAL_CSV.encode(), filename="nov.csv", actor=controller)
    assert caught.value.errors == [(4, "entity", "You may not import documents for entity DE.")]
    assert Document.objects.count() == 0


def test_outsider_may_not_import(outsider):
    from apps.access.permissions import AccessDenied

    with pytest.raises(AccessDenied):
        document_file_import(data=CANONICAL_CSV.encode(), filename="nov.csv", actor=outsider)


def test_demo_csv_shipped_with_the_sandbox_is_valid():
    from pathlib import Path

    data = (Path(__file__).resolve().parents[2] / "sandbox/platforms/demo/expenses.csv").read_bytes()
    items = normalize_table(*read_csv(data))
    assert [(i.document.source_id, len(i.document.lines)) for i in items] == [
        ("CSV-FR-1", 3),
        ("CSV-DE-1", 2),
        ("CSV-US-1", 1),
    ]
