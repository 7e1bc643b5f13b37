"""The suspected-duplicate key of an expense line: same employee, date, amount and merchant.

One 64-bit number per line, written with the line and indexed, so the duplicate policy finds another line that
matches on all four with one index look-up — not by visiting every line of that date and amount (which in a busy
entity are many, and grow with every month received). Case does not matter in the e-mail or the merchant; equal
amounts match whatever their written scale (42.5 = 42.50). A line without employee or merchant has no key and
never matches. The key only finds candidates: the policy compares the fields themselves before it reports one.
"""

import hashlib
from datetime import date
from decimal import Decimal

MERCHANT_LENGTH = 300  # DocumentLine.merchant's max_length: a key is computed from what is stored


def match_fields(email: str, on: date, amount: Decimal, merchant: str) -> tuple[str, date, Decimal, str] | None:
    """What two lines must share to be suspected duplicates, normalised; None when a line cannot match."""
    email, merchant = (email or "").strip().casefold(), (merchant or "")[:MERCHANT_LENGTH].casefold()
    if not email or not merchant:
        return None
    return email, on, Decimal(amount).normalize(), merchant


def match_key(fields: tuple[str, date, Decimal, str] | None) -> int | None:
    """The key of `match_fields`' answer (None for None)."""
    if fields is None:
        return None
    email, on, amount, merchant = fields
    text = "\x1f".join((email, on.isoformat(), format(amount, "f"), merchant))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


def line_match_key(email: str, on: date, amount: Decimal, merchant: str) -> int | None:
    return match_key(match_fields(email, on, amount, merchant))
