"""Deterministic demo data for the platform sandboxes: the same seed gives the same reports, every time.

Three policies for the console's three legal entities (POL-US → US/USD, POL-FR → FR/EUR, POL-DE → DE/EUR),
categories TAXI, MEALS, HOTEL, TRAIN, MILEAGE, tags "COST_CENTRE:PROJECT", one report in six not approved yet
(so export filters matter), a foreign-currency line now and then, company-card lines, and mileage lines whose
amount is distance × rate.
"""

import random
from datetime import UTC, date, datetime, timedelta

POLICIES = {"POL-US": ("US", "USD"), "POL-FR": ("FR", "EUR"), "POL-DE": ("DE", "EUR")}
EMPLOYEES = {
    "US": [("jordan.lee@example.com", "Jordan Lee"), ("sam.taylor@example.com", "Sam Taylor")],
    "FR": [("camille.martin@example.com", "Camille Martin"), ("louis.bernard@example.com", "Louis Bernard")],
    "DE": [("lena.schmidt@example.com", "Lena Schmidt"), ("jonas.weber@example.com", "Jonas Weber")],
}
TAX_CODES = {"US": {"*": "US-EXEMPT"}, "FR": {"MEALS": "FR-10", "*": "FR-20"}, "DE": {"MEALS": "DE-7", "*": "DE-19"}}
MERCHANTS = {
    "TAXI": ["G7", "Uber", "FreeNow"],
    "MEALS": ["Brasserie Lipp", "Pret", "Vapiano"],
    "HOTEL": ["Ibis", "Marriott", "Motel One"],
    "TRAIN": ["SNCF", "Deutsche Bahn", "Amtrak"],
}
TAGS = ["CC-SALES:PRJ-ALPHA", "CC-RD:PRJ-BETA", "CC-ADMIN"]
MILEAGE_RATE_CENTS = 45  # per km
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _tax_code(entity: str, category: str) -> str:
    codes = TAX_CODES[entity]
    return codes.get(category, codes["*"])


def _expense_line(rng: random.Random, report_id: str, n: int, entity: str, currency: str, day: date) -> dict:
    category = rng.choice(["TAXI", "MEALS", "HOTEL", "TRAIN", "MILEAGE"])
    line = {
        "id": f"{report_id}-{n}",
        "date": day.isoformat(),
        "currency": currency,
        "category": category,
        "tax_code": _tax_code(entity, category),
        "tag": rng.choice(TAGS),
        "receipt": rng.random() > 0.15,
        "reimbursable": True,
    }
    if category == "MILEAGE":
        distance = rng.randint(20, 300)
        line.update(
            cents=distance * MILEAGE_RATE_CENTS,
            merchant="",
            units={"count": distance, "rate": MILEAGE_RATE_CENTS, "unit": "km"},
            tax_code="",
            receipt=False,
        )
        return line
    line.update(cents=rng.randint(800, 25000), merchant=rng.choice(MERCHANTS[category]))
    if rng.random() < 0.12:  # paid with the company card
        line.update(reimbursable=False, card="XXXX4242")
    if rng.random() < 0.1 and currency != "USD":  # a line spent in dollars, converted by the platform
        line.update(foreign="USD", rate="0.92")
    return line


def generate(reports: int = 12, seed: int = 7) -> list[dict]:
    """Platform-neutral reports: {id, policy, entity, currency, employee, status, approved_at, lines[…]}."""
    rng = random.Random(seed)
    result = []
    for index in range(reports):
        policy = list(POLICIES)[index % 3]
        entity, currency = POLICIES[policy]
        email, name = EMPLOYEES[entity][rng.randrange(2)]
        approved_at = START + timedelta(hours=7 * index)
        report_id = f"{entity}{100001 + index}"
        days = [(approved_at - timedelta(days=rng.randint(2, 9))).date() for _ in range(rng.randint(1, 4))]
        result.append(
            {
                "id": report_id,
                "policy": policy,
                "entity": entity,
                "currency": currency,
                "employee": {"email": email, "name": name},
                "title": f"Expenses {approved_at:%B} #{index + 1}",
                "status": "SUBMITTED" if index % 6 == 5 else "APPROVED",
                "approved_at": approved_at,
                "lines": [_expense_line(rng, report_id, n + 1, entity, currency, day) for n, day in enumerate(days)],
            }
        )
    return result
