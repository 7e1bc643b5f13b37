"""JSON Schema (draft 2020-12) of the canonical document, as published at /api/v1/schemas/canonical-document.json.

It describes the structure; `apps.documents.normalize.canonical.normalize_canonical` enforces the same structure
plus the rules a schema cannot say well (currency minor units, allocations adding up to 100, mileage and
per-diem amounts equal to quantity × rate, unique line ids). tests/documents/test_schema.py keeps both in step.
"""

SCHEMA_ID = "/api/v1/schemas/canonical-document.json"

_DECIMAL = {
    "description": 'A decimal number, preferably written as a string ("42.50"). JSON numbers are read exactly.',
    "oneOf": [{"type": "string", "pattern": r"^[+-]?\d+(\.\d+)?$"}, {"type": "number"}],
}
_TEXT = {"type": "string", "maxLength": 200}
_DIMENSIONS = {"project": _TEXT, "cost_centre": _TEXT, "department": _TEXT}
_LINE_PROPERTIES = {
    "date": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
    "amount": {**_DECIMAL, "description": "Tax included, in the line's currency; not zero."},
    "currency": {"$ref": "#/$defs/currency"},
    "category": {**_TEXT, "minLength": 1, "description": "Expense category / type (mapped to an Odoo product)."},
    "merchant": {"type": "string", "maxLength": 300},
    "description": {"type": "string", "maxLength": 1000},
    "tax_code": {"type": "string", "maxLength": 100},
    "tax_amount": _DECIMAL,
    "fx_rate": {**_DECIMAL, "description": "Rate to the entity's currency, when the platform gives one."},
    "converted_amount": _DECIMAL,
    **_DIMENSIONS,
    "receipt": {"type": "boolean", "description": "A receipt is attached."},
    "receipt_url": {"type": "string", "pattern": "^https?://", "maxLength": 1000},
    "payment": {"enum": ["employee", "company"], "description": "Who paid: to reimburse, or company card."},
    "billable": {"type": "boolean"},
}
_LINE = {
    "type": "object",
    "required": ["id", "date", "amount", "currency", "category"],
    "additionalProperties": False,
    "properties": {
        "id": {**_TEXT, "maxLength": 120, "minLength": 1, "description": "Unique within the document."},
        **_LINE_PROPERTIES,
        "allocations": {
            "type": "array",
            "description": "Split across cost objects; percentages add up to 100.",
            "items": {
                "type": "object",
                "required": ["percent"],
                "additionalProperties": False,
                "properties": {"percent": _DECIMAL, **_DIMENSIONS},
            },
        },
        "mileage": {
            "type": "object",
            "description": "amount = distance × rate (rounded half-up to the currency's minor unit).",
            "required": ["distance", "rate"],
            "additionalProperties": False,
            "properties": {"distance": _DECIMAL, "rate": _DECIMAL},
        },
        "per_diem": {
            "type": "object",
            "description": "amount = days × rate (rounded half-up to the currency's minor unit).",
            "required": ["days", "rate"],
            "additionalProperties": False,
            "properties": {"days": _DECIMAL, "rate": _DECIMAL},
        },
        "card_transaction_id": {**_TEXT, "maxLength": 120},
    },
}
_DOCUMENT_PROPERTIES = {
    "type": {"enum": ["expense_report", "card_transaction"]},
    "id": {"type": "string", "minLength": 1, "maxLength": 120, "description": "The platform's id."},
    "revision": {"type": "integer", "minimum": 1, "maximum": 999999, "default": 1},
    "entity": {"type": "string", "pattern": "^[A-Z0-9_-]{1,16}$", "description": "Legal entity code, e.g. FR."},
    "employee": {
        "type": "object",
        "additionalProperties": False,
        "anyOf": [{"required": ["email"]}, {"required": ["external_id"]}],
        "properties": {
            "email": {"type": "string", "format": "email", "maxLength": 254},
            "external_id": {"type": "string", "maxLength": 100},
            "name": _TEXT,
        },
    },
    "currency": {"$ref": "#/$defs/currency"},
    "title": {"type": "string", "maxLength": 300},
    "approved_at": {"type": "string", "format": "date-time", "description": "ISO 8601 with a time zone."},
    "card_last4": {"type": "string", "pattern": r"^\d{4}$"},
    "extra": {"type": "object", "description": "Platform fields kept for lineage; never used for posting."},
    "lines": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/line"}},
}

CANONICAL_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "Canonical expense document",
    "description": "An expense report or a card transaction, as every intake (webhook, pull, file) normalizes it.",
    "type": "object",
    "required": ["type", "id", "entity", "employee", "currency"],
    "properties": _DOCUMENT_PROPERTIES,
    "oneOf": [
        {
            "title": "Expense report",
            "properties": {"type": {"const": "expense_report"}},
            "required": ["lines"],
            "additionalProperties": False,
            "patternProperties": {"^(" + "|".join(_DOCUMENT_PROPERTIES) + ")$": True},
        },
        {
            "title": "Card transaction with one line",
            "properties": {"type": {"const": "card_transaction"}, "lines": {"maxItems": 1}},
            "required": ["lines"],
            "additionalProperties": False,
            "patternProperties": {"^(" + "|".join(_DOCUMENT_PROPERTIES) + ")$": True},
        },
        {
            "title": "Card transaction, line fields at the top level",
            "properties": {"type": {"const": "card_transaction"}, **_LINE_PROPERTIES, "currency": True},
            "required": ["date", "amount", "category"],
            "not": {"required": ["lines"]},
            "additionalProperties": False,
            "patternProperties": {"^(" + "|".join(_DOCUMENT_PROPERTIES) + ")$": True},
        },
    ],
    "$defs": {
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217 code, e.g. EUR."},
        "line": _LINE,
    },
}
