"""The documents issue 7 says must be accepted, and a few richer ones (fresh copies on every call)."""

import copy

MINIMAL_REPORT = {
    "type": "expense_report",
    "id": "R-1001",
    "revision": 1,
    "entity": "FR",
    "employee": {"email": "someone@example.com"},
    "currency": "EUR",
    "approved_at": "2026-11-28T10:00:00Z",
    "lines": [
        {
            "id": "R-1001-1",
            "date": "2026-11-20",
            "amount": "42.50",
            "currency": "EUR",
            "category": "TAXI",
            "tax_code": "FR-20",
            "merchant": "G7",
            "project": "PRJ-ALPHA",
            "cost_centre": "CC-SALES",
            "receipt": True,
            "payment": "employee",
        }
    ],
}
CARD_TRANSACTION = {
    "type": "card_transaction",
    "id": "TX-9",
    "entity": "FR",
    "employee": {"email": "someone@example.com"},
    "card_last4": "4242",
    "date": "2026-11-21",
    "amount": "18.90",
    "currency": "EUR",
    "merchant": "Paul",
    "category": "MEALS",
    "tax_code": "FR-10",
}
RICH_REPORT = {
    "type": "expense_report",
    "id": "R-2002",
    "revision": 2,
    "entity": "DE",
    "title": "Berlin trip",
    "employee": {"email": "lena.schmidt@example.com", "external_id": "E-17", "name": "Lena Schmidt"},
    "currency": "EUR",
    "approved_at": "2026-11-28T11:30:00+01:00",
    "extra": {"policyID": "POL-DE"},
    "lines": [
        {
            "id": "1",
            "date": "2026-11-20",
            "amount": "54.00",
            "currency": "EUR",
            "category": "MILEAGE",
            "mileage": {"distance": "120", "rate": "0.45"},
            "cost_centre": "CC-RD",
        },
        {
            "id": "2",
            "date": "2026-11-21",
            "amount": "72.00",
            "currency": "EUR",
            "category": "PER_DIEM",
            "per_diem": {"days": "3", "rate": "24.00"},
            "project": "PRJ-BETA",
        },
        {
            "id": "3",
            "date": "2026-11-22",
            "amount": "210.00",
            "currency": "EUR",
            "category": "HOTEL",
            "tax_code": "DE-7",
            "tax_amount": "13.74",
            "receipt": True,
            "receipt_url": "https://r.example/3.jpg",
            "allocations": [
                {"percent": "60", "cost_centre": "CC-RD"},
                {"percent": "40", "cost_centre": "CC-SALES", "project": "PRJ-ALPHA"},
            ],
        },
        {
            "id": "4",
            "date": "2026-11-23",
            "amount": "30.00",
            "currency": "USD",
            "category": "TAXI",
            "fx_rate": "0.92",
            "converted_amount": "27.60",
            "payment": "company",
            "card_transaction_id": "TX-77",
            "billable": True,
            "merchant": "Yellow Cab",
            "description": "Airport",
        },
    ],
}


def minimal_report(**changes) -> dict:
    return {**copy.deepcopy(MINIMAL_REPORT), **changes}


def card_transaction(**changes) -> dict:
    return {**copy.deepcopy(CARD_TRANSACTION), **changes}


def rich_report(**changes) -> dict:
    return {**copy.deepcopy(RICH_REPORT), **changes}


def line_of(report: dict, index: int = 0, **changes) -> dict:
    """`report` with line `index` changed (None removes a field)."""
    line = report["lines"][index]
    for key, value in changes.items():
        if value is None:
            line.pop(key, None)
        else:
            line[key] = value
    return report
