"""Expensify and Concur shapes → canonical documents, and their refusals with the platform's field names."""

import copy
from decimal import Decimal

import pytest

from apps.documents.errors import SchemaError
from apps.documents.normalize.concur import ConcurConvention, normalize_concur
from apps.documents.normalize.expensify import ExpensifyConvention, normalize_expensify

EXPENSIFY = ExpensifyConvention(entity_by_policy={"POL-FR": "FR"})
REPORT = {
    "reportID": "R00A1",
    "reportName": "November",
    "status": "Approved",
    "currency": "EUR",
    "total": 9630,
    "accountEmail": "Camille.Martin@example.com",
    "submitterName": "Camille Martin",
    "policyID": "POL-FR",
    "approved": "2026-11-28 10:00:00",
    "transactionList": [
        {
            "transactionID": "T1",
            "amount": 4250,
            "modifiedAmount": 0,
            "currency": "EUR",
            "created": "2026-11-20",
            "modifiedCreated": "",
            "merchant": "G7",
            "modifiedMerchant": "",
            "category": "TAXI",
            "tag": "CC-SALES:PRJ-ALPHA",
            "reimbursable": True,
            "taxAmount": 708,
            "taxCode": "FR-20",
            "receiptID": "r1",
            "receiptObject": {"url": "https://receipts.example/r1.jpg"},
        },
        {
            "transactionID": "T2",
            "amount": 1000,
            "modifiedAmount": 1480,
            "currency": "EUR",
            "created": "2026-11-21",
            "modifiedCreated": "2026-11-22",
            "merchant": "AMEX *PAUL",
            "modifiedMerchant": "Paul",
            "category": "MEALS",
            "tag": "CC-RD",
            "reimbursable": False,
            "cardNumber": "XXXX4242",
        },
        {
            "transactionID": "T3",
            "amount": 3900,
            "currency": "EUR",
            "created": "2026-11-23",
            "merchant": "",
            "category": "MILEAGE",
            "tag": "",
            "units": {"count": 60, "rate": 65, "unit": "km"},
        },
    ],
}


def report(**changes):
    data = copy.deepcopy(REPORT)
    data.update(changes)
    return data


def expensify_errors(data, convention=EXPENSIFY):
    with pytest.raises(SchemaError) as caught:
        normalize_expensify(data, convention)
    return caught.value.errors


def test_expensify_amounts_are_cents_and_modified_values_win():
    doc = normalize_expensify(report(), EXPENSIFY)
    taxi, meal, _ = doc.lines
    assert (taxi.amount, taxi.tax_amount, meal.amount) == (Decimal("42.50"), Decimal("7.08"), Decimal("14.80"))
    assert (meal.merchant, str(meal.date)) == ("Paul", "2026-11-22")
    assert (doc.entity, doc.employee.email, doc.total) == ("FR", "camille.martin@example.com", Decimal("96.30"))


def test_expensify_report_marked_reimbursed_is_the_same_content():
    # The intake derives Expensify revisions from content: the console's own REIMBURSED update must not look like
    # a new revision when the report is pulled again.
    from apps.documents.codec import to_json

    paid = report(status="Reimbursed", reimbursed="2026-12-01 10:00:00")
    assert to_json(normalize_expensify(paid, EXPENSIFY)) == to_json(normalize_expensify(report(), EXPENSIFY))


def test_expensify_tag_convention_sets_cost_centre_and_project():
    taxi, meal, _ = normalize_expensify(report(), EXPENSIFY).lines
    assert (taxi.cost_centre, taxi.project, meal.cost_centre, meal.project) == ("CC-SALES", "PRJ-ALPHA", "CC-RD", "")
    swapped = ExpensifyConvention(entity_by_policy={"POL-FR": "FR"}, tag_levels=("project", "department"))
    taxi = normalize_expensify(report(), swapped).lines[0]
    assert (taxi.project, taxi.department, taxi.cost_centre) == ("CC-SALES", "PRJ-ALPHA", "")


def test_expensify_card_expense_is_company_paid_and_mileage_is_distance_times_rate():
    _, meal, mileage = normalize_expensify(report(), EXPENSIFY).lines
    assert (meal.payment, meal.card_transaction_id, meal.receipt) == ("company", "T2", False)
    assert (mileage.mileage_distance, mileage.mileage_rate, mileage.amount) == (60, Decimal("0.65"), Decimal("39.00"))


def test_expensify_report_not_approved_and_unmapped_policy_are_refused():
    assert expensify_errors(report(status="Open", policyID="POL-XX")) == [
        ("status", "report is 'Open'; only approved reports are imported"),
        ("policyID", "no legal entity is configured for Expensify policy 'POL-XX'"),
    ]


def test_expensify_errors_use_expensify_paths():
    data = report()
    data["transactionList"][0]["amount"] = "42.50"
    data["transactionList"][1]["modifiedCreated"] = "22/11/2026"
    data["transactionList"][2]["units"]["count"] = 61
    assert expensify_errors(data) == [
        ("transactionList[0].amount", "must be a whole number of cents (got '42.50')"),
        ("transactionList[1].modifiedCreated", "'22/11/2026' is not a date written YYYY-MM-DD"),
        ("transactionList[2].amount", "must equal mileage distance × rate = 61 × 0.65 = 39.65 EUR (it is 39.00)"),
    ]


def test_expensify_total_must_match_the_expenses():
    assert expensify_errors(report(total=9999)) == [("total", "is 99.99 but the expenses add up to 96.30")]


CONCUR = ConcurConvention(entity_custom_field="orgUnit1", tax_code_field="custom9")
CONCUR_REPORT = {
    "reportId": "C-77",
    "name": "Berlin",
    "userId": "u-1",
    "policyId": "P1",
    "currencyCode": "EUR",
    "approvalStatusId": "A_APPR",
    "approvalDate": "2026-11-28T10:00:00Z",
    "owner": {"email": "lena@example.com", "employeeId": "E-17", "name": "Lena"},
    "customData": [{"id": "orgUnit1", "value": "DE"}],
}
EXPENSES = [
    {
        "expenseId": "E1",
        "transactionDate": "2026-11-20",
        "transactionAmount": {"value": Decimal("100.00"), "currencyCode": "USD"},
        "approvedAmount": {"value": Decimal("92.00"), "currencyCode": "EUR"},
        "exchangeRate": {"value": Decimal("0.92"), "operation": "MULTIPLY"},
        "expenseType": {"id": "HOTEL", "name": "Hotel", "code": "HOTEL"},
        "paymentType": {"code": "CASH"},
        "vendor": {"name": "Ibis"},
        "receiptImageId": "img1",
        "customData": [{"id": "custom9", "value": "DE-7"}],
    },
    {
        "expenseId": "E2",
        "transactionDate": "2026-11-21",
        "transactionAmount": {"value": Decimal("20.5"), "currencyCode": "EUR"},
        "expenseType": {"code": "TAXI"},
        "paymentType": {"code": "CBCP"},
        "creditCardTransactionId": "CC-1",
    },
    {
        "expenseId": "E3",
        "transactionDate": "2026-11-21",
        "isPersonalExpense": True,
        "transactionAmount": {"value": Decimal("9.00"), "currencyCode": "EUR"},
        "expenseType": {"code": "MEALS"},
    },
]
ALLOCATIONS = {
    "E1": [
        {"percentage": Decimal("60"), "customData": [{"id": "custom1", "value": "CC-RD"}]},
        {
            "percentage": Decimal("40"),
            "customData": [{"id": "custom1", "value": "CC-SALES"}, {"id": "custom2", "value": "PRJ-ALPHA"}],
        },
    ],
    "E2": [{"percentage": Decimal("100"), "customData": [{"id": "custom1", "value": "CC-RD"}]}],
}


def test_concur_report_becomes_lines_with_conversion_allocations_and_payment():
    doc = normalize_concur(CONCUR_REPORT, copy.deepcopy(EXPENSES), copy.deepcopy(ALLOCATIONS), CONCUR)
    hotel, taxi = doc.lines
    assert (doc.entity, doc.employee.external_id, doc.extra["personalExpenseIds"]) == ("DE", "E-17", ["E3"])
    assert (hotel.amount, hotel.currency, hotel.converted_amount, hotel.fx_rate) == (
        Decimal("100.00"),
        "USD",
        Decimal("92.00"),
        Decimal("0.92"),
    )
    assert [(a.percent, a.cost_centre, a.project) for a in hotel.allocations] == [
        (Decimal("60"), "CC-RD", ""),
        (Decimal("40"), "CC-SALES", "PRJ-ALPHA"),
    ]
    assert (hotel.tax_code, hotel.receipt, hotel.payment) == ("DE-7", True, "employee")
    assert (taxi.cost_centre, taxi.allocations, taxi.payment, taxi.card_transaction_id) == (
        "CC-RD",
        (),
        "company",
        "CC-1",
    )
    assert doc.total == Decimal("112.50")


def test_concur_floats_are_read_through_their_shortest_text():
    expenses = copy.deepcopy(EXPENSES[1:2])
    expenses[0]["transactionAmount"]["value"] = 20.5
    assert normalize_concur(CONCUR_REPORT, expenses, {}, CONCUR).lines[0].amount == Decimal("20.5")


def test_concur_refusals_name_concur_fields():
    expenses = copy.deepcopy(EXPENSES)
    expenses[0]["transactionAmount"]["currencyCode"] = "XXX"
    allocations = copy.deepcopy(ALLOCATIONS)
    allocations["E1"][1]["percentage"] = Decimal("30")
    with pytest.raises(SchemaError) as caught:
        normalize_concur({**CONCUR_REPORT, "approvalStatusId": "A_PEND"}, expenses, allocations, CONCUR)
    assert caught.value.errors == [
        ("approvalStatusId", "report is 'A_PEND'; only approved reports are imported"),
        ("expenses[0].transactionAmount.currencyCode", "'XXX' is not an ISO 4217 currency code (e.g. EUR, USD)"),
        ("expenses[0].allocations", "percentages must add up to 100 (they add up to 90)"),
    ]
