"""Strict parsers for the primitive values of a document, collecting every error instead of stopping at one.

Each parser takes the raw value and the path to report, records a message in the `Collector` when the value
is wrong and returns None, so a normalizer can go through the whole input and report everything at once.
"""

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from apps.documents.errors import SchemaError
from apps.documents.normalize.currencies import MINOR_UNITS

DECIMAL_RE = re.compile(r"^[+-]?\d+(\.\d+)?$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_DIGITS = 16  # integer digits; amounts beyond 10^16 are a typo, not an expense


class Collector:
    """Gathers (path, message) pairs; `raise_if_any` turns them into one SchemaError."""

    def __init__(self):
        self.errors: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.errors.append((path, message))

    def raise_if_any(self) -> None:
        if self.errors:
            raise SchemaError(self.errors)


def join(prefix: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else key


def text(c: Collector, value, path: str, *, required: bool = False, max_length: int = 200) -> str:
    """A string (trimmed). Missing/empty gives "" unless required."""
    if value is None or value == "":
        if required:
            c.add(path, "is required")
        return ""
    if not isinstance(value, str):
        c.add(path, "must be a string")
        return ""
    value = value.strip()
    if required and not value:
        c.add(path, "is required")
    if len(value) > max_length:
        c.add(path, f"must be at most {max_length} characters")
        return ""
    return value


def decimal_value(c: Collector, value, path: str, *, required: bool = True, allow_float: bool = False):
    """A Decimal from a decimal string ("42.50"), an int or a Decimal. Floats are refused unless `allow_float`
    (a float has already lost the exact cents; platforms that send JSON numbers are parsed with Decimal)."""
    if value is None or value == "":
        if required:
            c.add(path, "is required")
        return None
    if isinstance(value, bool):
        c.add(path, "must be a decimal number, not true/false")
        return None
    if isinstance(value, float):
        if not allow_float:
            c.add(path, 'must be a decimal string such as "42.50" (a binary float can lose cents)')
            return None
        value = repr(value)
    if isinstance(value, int):
        value = Decimal(value)
    if isinstance(value, str):
        if not DECIMAL_RE.match(value.strip()):
            c.add(path, f"{value!r} is not a decimal number (digits, optional sign, '.' as decimal separator)")
            return None
        value = Decimal(value.strip())
    if not isinstance(value, Decimal) or not value.is_finite():
        c.add(path, "must be a decimal number")
        return None
    if value.adjusted() >= MAX_DIGITS:
        c.add(path, "is too large")
        return None
    return value


def positive(c: Collector, value: Decimal | None, path: str) -> Decimal | None:
    if value is not None and value <= 0:
        c.add(path, "must be greater than zero")
        return None
    return value


def fits_currency(c: Collector, value: Decimal | None, currency: str, path: str) -> None:
    """Amounts carry no more decimals than the currency has (EUR 2, JPY 0, KWD 3)."""
    units = MINOR_UNITS.get(currency)
    if value is None or units is None:
        return
    try:
        exponent = value.normalize().as_tuple().exponent
    except InvalidOperation:  # pragma: no cover - finite decimals always normalize
        return
    if isinstance(exponent, int) and -exponent > units:
        c.add(path, f"has more than {units} decimal places for {currency}")


def currency(c: Collector, value, path: str, *, required: bool = True) -> str:
    if value is None or value == "":
        if required:
            c.add(path, "is required")
        return ""
    if not isinstance(value, str) or value not in MINOR_UNITS:
        c.add(path, f"{value!r} is not an ISO 4217 currency code (e.g. EUR, USD)")
        return ""
    return value


def date_value(c: Collector, value, path: str, *, required: bool = True) -> date | None:
    """A calendar date written YYYY-MM-DD (a datetime.date is accepted as is)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None or value == "":
        if required:
            c.add(path, "is required")
        return None
    if not isinstance(value, str) or not DATE_RE.match(value):
        c.add(path, f"{value!r} is not a date written YYYY-MM-DD")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        c.add(path, f"{value!r} is not a valid calendar date")
        return None


def datetime_value(c: Collector, value, path: str, *, required: bool = False, naive_is_utc: bool = False):
    """An ISO 8601 timestamp with a time zone (Z or ±hh:mm); `naive_is_utc` accepts platforms that send UTC
    without saying so."""
    if isinstance(value, datetime):
        parsed = value
    elif value is None or value == "":
        if required:
            c.add(path, "is required")
        return None
    elif not isinstance(value, str) or not DATETIME_RE.match(value):
        c.add(path, f"{value!r} is not an ISO 8601 date-time such as 2026-11-28T10:00:00Z")
        return None
    else:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            c.add(path, f"{value!r} is not a valid date-time")
            return None
    if parsed.tzinfo is None:
        if not naive_is_utc:
            c.add(path, "must include a time zone (Z or ±hh:mm)")
            return None
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def boolean(c: Collector, value, path: str, *, default: bool = False) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        c.add(path, "must be true or false")
        return default
    return value


def email(c: Collector, value, path: str) -> str:
    value = text(c, value, path, max_length=254)
    if value and not EMAIL_RE.match(value):
        c.add(path, f"{value!r} is not an e-mail address")
        return ""
    return value.lower()
