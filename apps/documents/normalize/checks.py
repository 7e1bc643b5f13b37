"""Consistency rules of one expense line, shared by every normalizer (pure; errors go to a Collector).

- amount: not zero, no more decimals than its currency has; tax amount within the amount and of its sign;
- allocations: each above 0 and at most 100, together exactly 100, each naming at least one cost object, and
  not mixed with the line's own project / cost centre / department;
- mileage: amount = distance × rate, per diem: amount = days × rate (rounded half-up to the currency's minor
  unit); never both on one line.
"""

from decimal import ROUND_HALF_UP, Decimal

from apps.documents.canonical import Allocation
from apps.documents.normalize.currencies import MINOR_UNITS
from apps.documents.normalize.fields import Collector, fits_currency

HUNDRED = Decimal(100)
DIMENSIONS = ("project", "cost_centre", "department")


def check_amounts(c: Collector, *, amount, currency, tax_amount, paths: dict) -> None:
    if amount is None:
        return
    if amount == 0:
        c.add(paths["amount"], "must not be zero")
    fits_currency(c, amount, currency, paths["amount"])
    if tax_amount is not None:
        fits_currency(c, tax_amount, currency, paths["tax_amount"])
        if abs(tax_amount) > abs(amount) or (tax_amount and (tax_amount > 0) != (amount > 0)):
            c.add(paths["tax_amount"], f"must be between 0 and the line amount {amount}")


def check_allocations(c: Collector, allocations: list[Allocation], *, line_dimensions: dict, path: str) -> None:
    if not allocations:
        return
    for index, allocation in enumerate(allocations):
        item = f"{path}[{index}]"
        if not (0 < allocation.percent <= HUNDRED):
            c.add(f"{item}.percent", "must be above 0 and at most 100")
        if not any(getattr(allocation, name) for name in DIMENSIONS):
            c.add(item, "must name a project, cost_centre or department")
    total = sum((a.percent for a in allocations), Decimal(0))
    if total != HUNDRED:
        c.add(path, f"percentages must add up to 100 (they add up to {total})")
    mixed = [name for name, value in line_dimensions.items() if value]
    if mixed:
        c.add(path, f"give either allocations or the line's {', '.join(mixed)}, not both")


def expected_amount(quantity: Decimal, rate: Decimal, currency: str) -> Decimal:
    """quantity × rate rounded half-up to the currency's minor unit (e.g. 120 km × 0.455 = 54.60 EUR)."""
    exponent = Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2))
    return (quantity * rate).quantize(exponent, rounding=ROUND_HALF_UP)


def check_rate_product(c: Collector, *, what: str, quantity, rate, amount, currency, path: str) -> None:
    """`what` is "mileage distance" or "per-diem days"; amount must equal quantity × rate."""
    if None in (quantity, rate, amount) or currency not in MINOR_UNITS:
        return
    expected = expected_amount(quantity, rate, currency)
    if expected != amount:
        c.add(path, f"must equal {what} × rate = {quantity} × {rate} = {expected} {currency} (it is {amount})")
