"""The generic (canonical JSON) normalizer and the codec: exact acceptance, exact field-level refusals."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from apps.documents.canonical import DocumentType, PaymentMode
from apps.documents.codec import from_json, to_json
from apps.documents.errors import SchemaError
from apps.documents.normalize import normalize_canonical, parse_canonical_json
from tests.documents.examples import card_transaction, line_of, minimal_report, rich_report


def errors_of(data) -> list[tuple[str, str]]:
    with pytest.raises(SchemaError) as caught:
        normalize_canonical(data)
    return caught.value.errors


def test_minimal_report_from_the_issue_is_accepted_with_exact_values():
    doc = normalize_canonical(minimal_report())
    assert doc.type == DocumentType.EXPENSE_REPORT and doc.source_id == "R-1001" and doc.revision == 1
    assert doc.approved_at == datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    (line,) = doc.lines
    assert line.amount == Decimal("42.50") and str(line.amount) == "42.50"
    assert line.date == date(2026, 11, 20) and line.payment == PaymentMode.EMPLOYEE and line.receipt is True
    assert (line.project, line.cost_centre, line.tax_code, line.merchant) == ("PRJ-ALPHA", "CC-SALES", "FR-20", "G7")


def test_card_transaction_from_the_issue_is_one_company_paid_line():
    doc = normalize_canonical(card_transaction())
    assert doc.type == DocumentType.CARD_TRANSACTION and doc.card_last4 == "4242"
    (line,) = doc.lines
    assert (line.id, line.card_transaction_id, line.payment) == ("TX-9", "TX-9", PaymentMode.COMPANY)
    assert line.amount == Decimal("18.90") and line.currency == "EUR"


def test_rich_report_keeps_mileage_per_diem_allocations_and_conversion():
    doc = normalize_canonical(rich_report())
    mileage, per_diem, hotel, taxi = doc.lines
    assert (mileage.mileage_distance, mileage.mileage_rate) == (Decimal("120"), Decimal("0.45"))
    assert (per_diem.per_diem_days, per_diem.per_diem_rate) == (Decimal("3"), Decimal("24.00"))
    assert [a.percent for a in hotel.allocations] == [Decimal("60"), Decimal("40")]
    assert (taxi.fx_rate, taxi.converted_amount, taxi.payment) == (Decimal("0.92"), Decimal("27.60"), "company")
    assert doc.approved_at == datetime(2026, 11, 28, 10, 30, tzinfo=UTC)
    assert doc.total == Decimal("363.60")  # the USD line counts with its converted amount


@pytest.mark.parametrize("example", [minimal_report, card_transaction, rich_report])
def test_codec_round_trips_exactly(example):
    doc = normalize_canonical(example())
    assert from_json(to_json(doc)) == doc
    assert normalize_canonical(to_json(doc)) == doc


def test_codec_keeps_trailing_zeros_of_amounts():
    data = to_json(normalize_canonical(line_of(minimal_report(), amount="42.50")))
    assert data["lines"][0]["amount"] == "42.50"


def test_json_numbers_are_read_as_exact_decimals():
    body = (
        b'{"type":"card_transaction","id":"TX-1","entity":"FR","employee":{"email":"a@example.com"},'
        b'"date":"2026-11-21","amount":0.10,"currency":"EUR","category":"MEALS"}'
    )
    assert parse_canonical_json(body).lines[0].amount == Decimal("0.10")


def test_body_that_is_not_json_is_a_schema_error():
    with pytest.raises(SchemaError) as caught:
        parse_canonical_json(b"{nope")
    assert caught.value.errors[0][0] == ""


def test_float_amount_is_refused_with_a_hint():
    assert errors_of(line_of(minimal_report(), amount=42.5)) == [
        ("lines[0].amount", 'must be a decimal string such as "42.50" (a binary float can lose cents)')
    ]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("42,50", "'42,50' is not a decimal number (digits, optional sign, '.' as decimal separator)"),
        ("1e3", "'1e3' is not a decimal number (digits, optional sign, '.' as decimal separator)"),
        ("42.505", "has more than 2 decimal places for EUR"),
        ("0.00", "must not be zero"),
        (True, "must be a decimal number, not true/false"),
    ],
)
def test_bad_amounts_are_refused_with_the_reason(amount, message):
    assert errors_of(line_of(minimal_report(), amount=amount)) == [("lines[0].amount", message)]


def test_yen_amounts_take_no_decimals():
    data = line_of(minimal_report(currency="JPY"), amount="1200.5", currency="JPY")
    assert errors_of(data) == [("lines[0].amount", "has more than 0 decimal places for JPY")]


def test_unknown_currency_and_bad_dates_are_each_reported():
    data = line_of(minimal_report(currency="EURO", approved_at="2026-11-28T10:00:00"), date="20/11/2026")
    assert errors_of(data) == [
        ("currency", "'EURO' is not an ISO 4217 currency code (e.g. EUR, USD)"),
        ("approved_at", "must include a time zone (Z or ±hh:mm)"),
        ("lines[0].date", "'20/11/2026' is not a date written YYYY-MM-DD"),
    ]


def test_every_problem_of_a_document_is_reported_at_once():
    data = {
        "type": "expense_report",
        "entity": "fr",
        "employee": {},
        "currency": "EUR",
        "colour": "red",
        "lines": [{"id": "1", "date": "2026-02-30", "amount": "1", "currency": "EUR"}],
    }
    assert errors_of(data) == [
        ("colour", "is not a field of the canonical document"),
        ("id", "is required"),
        ("entity", "must be a legal entity code such as FR (upper-case letters, digits, '-' or '_')"),
        ("employee", "needs an email or an external_id"),
        ("lines[0].date", "'2026-02-30' is not a valid calendar date"),
        ("lines[0].category", "is required"),
    ]


def test_allocations_must_add_up_to_100():
    data = rich_report()
    data["lines"][2]["allocations"][1]["percent"] = "30"
    assert errors_of(data) == [("lines[2].allocations", "percentages must add up to 100 (they add up to 90)")]


def test_allocation_needs_a_cost_object_and_cannot_mix_with_line_dimensions():
    data = rich_report()
    data["lines"][2]["allocations"][0] = {"percent": "60"}
    data["lines"][2]["project"] = "PRJ-X"
    assert errors_of(data) == [
        ("lines[2].allocations[0]", "must name a project, cost_centre or department"),
        ("lines[2].allocations", "give either allocations or the line's project, not both"),
    ]


def test_mileage_amount_must_equal_distance_times_rate():
    data = line_of(rich_report(), 0, amount="55.00")
    assert errors_of(data) == [
        ("lines[0].amount", "must equal mileage distance × rate = 120 × 0.45 = 54.00 EUR (it is 55.00)")
    ]


def test_per_diem_amount_must_equal_days_times_rate():
    data = line_of(rich_report(), 1, per_diem={"days": "2", "rate": "24.00"})
    assert errors_of(data) == [
        ("lines[1].amount", "must equal per-diem days × rate = 2 × 24.00 = 48.00 EUR (it is 72.00)")
    ]


def test_payment_must_be_employee_or_company():
    assert errors_of(line_of(minimal_report(), payment="cash")) == [
        ("lines[0].payment", "must be employee or company (got 'cash')")
    ]


def test_line_ids_are_unique_within_a_document():
    data = minimal_report()
    data["lines"].append(dict(data["lines"][0]))
    assert errors_of(data) == [("lines[1].id", "'R-1001-1' is used by another line of this document")]


def test_card_transaction_cannot_have_two_lines_or_both_forms():
    data = card_transaction(lines=[minimal_report()["lines"][0]])
    assert ("lines", "give the card transaction's fields at the top level or one line, not both") in errors_of(data)
    two = minimal_report(type="card_transaction")
    two["lines"].append({**two["lines"][0], "id": "other"})
    assert errors_of(two) == [("lines", "a card transaction has exactly one line")]


def test_tax_amount_cannot_exceed_the_amount():
    assert errors_of(line_of(minimal_report(), tax_amount="50.00")) == [
        ("lines[0].tax_amount", "must be between 0 and the line amount 42.50")
    ]
