"""The generic adapter: validate canonical JSON (the format in docs/canonical-document.md) into a document.

`normalize_canonical(data)` accepts exactly what `apps.documents.schema.CANONICAL_SCHEMA` describes and what
`apps.documents.codec.to_json` writes, and raises SchemaError listing every problem with its path. Amounts are
decimal strings (or Decimals when the JSON was parsed with `parse_float=Decimal`); floats are refused.
"""

import json
import re
from decimal import Decimal

from apps.documents.canonical import Allocation, CanonicalDocument, DocumentType, Employee, Line, PaymentMode
from apps.documents.errors import SchemaError
from apps.documents.normalize import checks
from apps.documents.normalize import fields as f
from apps.documents.normalize.fields import Collector, join

ENTITY_RE = re.compile(r"^[A-Z0-9_-]{1,16}$")
CARD_LAST4_RE = re.compile(r"^\d{4}$")
ID_MAX = 120  # source ids; the idempotency key (connector:type:id:revision) must stay under 200 characters

LINE_FIELDS = frozenset(
    {
        "id",
        "date",
        "amount",
        "currency",
        "category",
        "merchant",
        "description",
        "tax_code",
        "tax_amount",
        "fx_rate",
        "converted_amount",
        "project",
        "cost_centre",
        "department",
        "receipt",
        "receipt_url",
        "payment",
        "allocations",
        "mileage",
        "per_diem",
        "card_transaction_id",
        "billable",
    }
)
DOCUMENT_FIELDS = frozenset(
    {"type", "id", "revision", "entity", "employee", "currency", "title", "approved_at", "card_last4", "extra", "lines"}
)
# A card transaction may carry its one line's fields at the top level (its `currency` is then the line's too).
CARD_FLAT_FIELDS = LINE_FIELDS - {"id", "currency", "allocations", "mileage", "per_diem", "card_transaction_id"}
EMPLOYEE_FIELDS = frozenset({"email", "external_id", "name"})
ALLOCATION_FIELDS = frozenset({"percent", "project", "cost_centre", "department"})


def parse_canonical_json(body: bytes | str) -> CanonicalDocument:
    """A canonical document from JSON text: numbers are read as exact Decimals (never floats), then validated.
    Raises SchemaError (also for text that is not JSON)."""
    try:
        data = json.loads(body, parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as error:
        raise SchemaError([("", f"the body is not JSON: {error}")]) from None
    return normalize_canonical(data)


def normalize_canonical(data) -> CanonicalDocument:
    """Validate a canonical JSON object (a dict) and return the CanonicalDocument. Raises SchemaError."""
    c = Collector()
    if not isinstance(data, dict):
        c.add("", "the document must be a JSON object")
        c.raise_if_any()
    doc_type = _type(c, data.get("type"))
    allowed = DOCUMENT_FIELDS | (CARD_FLAT_FIELDS if doc_type == DocumentType.CARD_TRANSACTION else set())
    _unknown(c, data, allowed, "")
    source_id = f.text(c, data.get("id"), "id", required=True, max_length=ID_MAX)
    header = {
        "revision": _revision(c, data.get("revision", 1)),
        "entity": _entity(c, data.get("entity")),
        "employee": _employee(c, data.get("employee"), "employee"),
        "currency": f.currency(c, data.get("currency"), "currency"),
        "title": f.text(c, data.get("title"), "title", max_length=300),
        "approved_at": f.datetime_value(c, data.get("approved_at"), "approved_at"),
        "card_last4": _card_last4(c, data.get("card_last4")),
        "extra": _extra(c, data.get("extra")),
    }
    lines = _lines(c, data, doc_type, source_id)
    c.raise_if_any()
    return CanonicalDocument(type=doc_type, source_id=source_id, lines=tuple(lines), **header)


def _type(c: Collector, value) -> DocumentType | None:
    if value not in DocumentType.__members__.values():
        c.add("type", f"must be one of {', '.join(DocumentType)} (got {value!r})")
        return None
    return DocumentType(value)


def _unknown(c: Collector, data: dict, allowed, path: str) -> None:
    for key in data:
        if key not in allowed:
            c.add(join(path, key), "is not a field of the canonical document")


def _revision(c: Collector, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        c.add("revision", "must be a whole number, 1 or more")
        return 1
    if value > 999_999:
        c.add("revision", "must be at most 999999")
    return value


def _entity(c: Collector, value) -> str:
    if not isinstance(value, str) or not ENTITY_RE.match(value):
        c.add("entity", "must be a legal entity code such as FR (upper-case letters, digits, '-' or '_')")
        return ""
    return value


def _employee(c: Collector, value, path: str) -> Employee:
    if not isinstance(value, dict):
        c.add(path, "must be an object with email and/or external_id")
        return Employee()
    _unknown(c, value, EMPLOYEE_FIELDS, path)
    employee = Employee(
        email=f.email(c, value.get("email"), join(path, "email")),
        external_id=f.text(c, value.get("external_id"), join(path, "external_id"), max_length=100),
        name=f.text(c, value.get("name"), join(path, "name")),
    )
    if not (employee.email or employee.external_id) and not any(p.startswith(path + ".") for p, _ in c.errors):
        c.add(path, "needs an email or an external_id")
    return employee


def _card_last4(c: Collector, value) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or not CARD_LAST4_RE.match(value):
        c.add("card_last4", "must be the last 4 digits of the card, as a string")
        return ""
    return value


def _extra(c: Collector, value) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        c.add("extra", "must be an object")
        return {}
    return value


def _lines(c: Collector, data: dict, doc_type, source_id: str) -> list[Line]:
    is_card = doc_type == DocumentType.CARD_TRANSACTION
    flat = {key: data[key] for key in CARD_FLAT_FIELDS if key in data} if is_card else {}
    if is_card and flat and "lines" not in data:
        line_data = {**flat, "id": source_id, "currency": data.get("currency"), "card_transaction_id": source_id}
        return [_line(c, line_data, "", default_payment=PaymentMode.COMPANY, flat=True)]
    raw = data.get("lines")
    if flat:
        c.add("lines", "give the card transaction's fields at the top level or one line, not both")
    if not isinstance(raw, list) or not raw:
        c.add("lines", "must be a non-empty list of expense lines")
        return []
    if is_card and len(raw) != 1:
        c.add("lines", "a card transaction has exactly one line")
    default_payment = PaymentMode.COMPANY if is_card else PaymentMode.EMPLOYEE
    lines = [_line(c, item, f"lines[{i}]", default_payment=default_payment) for i, item in enumerate(raw)]
    seen: set[str] = set()
    for index, line in enumerate(lines):
        if line is not None and line.id in seen:
            c.add(f"lines[{index}].id", f"{line.id!r} is used by another line of this document")
        seen.add(line.id if line is not None else "")
    return [line for line in lines if line is not None]


def _line(c: Collector, data, path: str, *, default_payment: PaymentMode, flat: bool = False) -> Line | None:
    if not isinstance(data, dict):
        c.add(path, "must be an object")
        return None
    if not flat:
        _unknown(c, data, LINE_FIELDS, path)
    p = {name: join(path, name) for name in LINE_FIELDS}
    currency = f.currency(c, data.get("currency"), p["currency"])
    amount = f.decimal_value(c, data.get("amount"), p["amount"])
    tax_amount = f.decimal_value(c, data.get("tax_amount"), p["tax_amount"], required=False)
    checks.check_amounts(c, amount=amount, currency=currency, tax_amount=tax_amount, paths=p)
    dims = {name: f.text(c, data.get(name), p[name]) for name in checks.DIMENSIONS}
    allocations = _allocations(c, data.get("allocations"), p["allocations"])
    checks.check_allocations(c, allocations, line_dimensions=dims, path=p["allocations"])
    mileage = _rate_pair(
        c, data.get("mileage"), p["mileage"], ("distance", "rate"), "mileage distance", amount, currency
    )
    per_diem = _rate_pair(c, data.get("per_diem"), p["per_diem"], ("days", "rate"), "per-diem days", amount, currency)
    if mileage != (None, None) and per_diem != (None, None):
        c.add(path or "mileage", "a line is either mileage or per diem, not both")
    return Line(
        id=f.text(c, data.get("id"), p["id"], required=True, max_length=ID_MAX),
        date=f.date_value(c, data.get("date"), p["date"]),
        amount=amount,
        currency=currency,
        category=f.text(c, data.get("category"), p["category"], required=True),
        merchant=f.text(c, data.get("merchant"), p["merchant"], max_length=300),
        description=f.text(c, data.get("description"), p["description"], max_length=1000),
        tax_code=f.text(c, data.get("tax_code"), p["tax_code"], max_length=100),
        tax_amount=tax_amount,
        fx_rate=f.positive(c, f.decimal_value(c, data.get("fx_rate"), p["fx_rate"], required=False), p["fx_rate"]),
        converted_amount=f.decimal_value(c, data.get("converted_amount"), p["converted_amount"], required=False),
        receipt=f.boolean(c, data.get("receipt"), p["receipt"]),
        receipt_url=_url(c, data.get("receipt_url"), p["receipt_url"]),
        payment=_payment(c, data.get("payment"), p["payment"], default_payment),
        allocations=tuple(allocations),
        mileage_distance=mileage[0],
        mileage_rate=mileage[1],
        per_diem_days=per_diem[0],
        per_diem_rate=per_diem[1],
        card_transaction_id=f.text(c, data.get("card_transaction_id"), p["card_transaction_id"], max_length=ID_MAX),
        billable=f.boolean(c, data.get("billable"), p["billable"]),
        **dims,
    )


def _allocations(c: Collector, value, path: str) -> list[Allocation]:
    if value is None:
        return []
    if not isinstance(value, list):
        c.add(path, "must be a list of {percent, project, cost_centre, department}")
        return []
    result = []
    for index, item in enumerate(value):
        item_path = f"{path}[{index}]"
        if not isinstance(item, dict):
            c.add(item_path, "must be an object")
            continue
        _unknown(c, item, ALLOCATION_FIELDS, item_path)
        percent = f.decimal_value(c, item.get("percent"), join(item_path, "percent"))
        dims = {name: f.text(c, item.get(name), join(item_path, name)) for name in checks.DIMENSIONS}
        if percent is not None:
            result.append(Allocation(percent=percent, **dims))
    return result


def _rate_pair(c: Collector, value, path: str, names: tuple, what: str, amount, currency):
    """(quantity, rate) of a mileage or per-diem line, checked against the amount; (None, None) when absent."""
    if value is None:
        return None, None
    if not isinstance(value, dict):
        c.add(path, f"must be an object with {names[0]} and {names[1]}")
        return None, None
    _unknown(c, value, set(names), path)
    quantity = f.positive(c, f.decimal_value(c, value.get(names[0]), join(path, names[0])), join(path, names[0]))
    rate = f.positive(c, f.decimal_value(c, value.get(names[1]), join(path, names[1])), join(path, names[1]))
    amount_path = path.rsplit(".", 1)[0] + ".amount" if "." in path else "amount"
    checks.check_rate_product(
        c, what=what, quantity=quantity, rate=rate, amount=amount, currency=currency, path=amount_path
    )
    return quantity, rate


def _payment(c: Collector, value, path: str, default: PaymentMode) -> PaymentMode:
    if value is None or value == "":
        return default
    if value not in PaymentMode.__members__.values():
        c.add(path, f"must be {PaymentMode.EMPLOYEE!s} or {PaymentMode.COMPANY!s} (got {value!r})")
        return default
    return PaymentMode(value)


def _url(c: Collector, value, path: str) -> str:
    value = f.text(c, value, path, max_length=1000)
    if value and not value.startswith(("https://", "http://")):
        c.add(path, "must be an http(s) URL")
        return ""
    return value
