"""Rule input as people and files give it (strings) → the typed rule dict the services store. Pure.

Used by the HTML form, the API and CSV/XLSX import alike, so a value is accepted or refused the same way
wherever it comes from. Conditions accept JSON (`{"document_type": "card_transaction"}`) or the short form
`document_type=card_transaction; payment=company` (a value list: `currency=EUR|USD`).
"""

from __future__ import annotations

import json
from datetime import date

from apps.mappings.engine import MatchKind

FIELDS = (
    "match",
    "source_value",
    "target_model",
    "target_id",
    "target_name",
    "conditions",
    "effective_from",
    "effective_to",
    "note",
)


def parse_rule(raw: dict, *, default_model: str = "") -> tuple[dict, dict[str, str]]:
    """(rule, errors): rule holds typed values for every field; errors maps a field to its problem."""
    errors: dict[str, str] = {}
    rule: dict = {
        "match": _text(raw.get("match")).lower() or MatchKind.EXACT,
        "source_value": _text(raw.get("source_value")),
        "target_model": _text(raw.get("target_model")) or default_model,
        "target_name": _text(raw.get("target_name"))[:500],
        "note": _text(raw.get("note"))[:500],
    }
    if len(rule["source_value"]) > 255:
        errors["source_value"] = "At most 255 characters."
    rule["target_id"] = _positive_int(raw.get("target_id"), errors)
    rule["conditions"] = _conditions(raw.get("conditions"), errors)
    for name in ("effective_from", "effective_to"):
        rule[name] = _date(raw.get(name), name, errors)
    return rule, errors


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _positive_int(value, errors) -> int | None:
    text = _text(value)
    if text.endswith(".0"):  # spreadsheets turn 42 into 42.0
        text = text[:-2]
    if not text:
        errors["target_id"] = "Choose the Odoo record (its id)."
        return None
    if not text.isdigit() or int(text) == 0:
        errors["target_id"] = f"{text!r} is not an Odoo id (a positive whole number)."
        return None
    return int(text)


def _conditions(value, errors) -> dict:
    if isinstance(value, dict):
        return value
    text = _text(value)
    if not text:
        return {}
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            errors["conditions"] = f"Not valid JSON: {exc.msg} (character {exc.pos + 1})."
            return {}
        if not isinstance(parsed, dict):
            errors["conditions"] = "Conditions must be an object."
            return {}
        return parsed
    conditions: dict = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        key, sep, wanted = part.partition("=")
        if not sep or not key.strip() or not wanted.strip():
            errors["conditions"] = f"Write conditions as key=value; {part!r} is not."
            return {}
        values = [v.strip() for v in wanted.split("|") if v.strip()]
        conditions[key.strip()] = values[0] if len(values) == 1 else values
    return conditions


def _date(value, name, errors) -> date | None:
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        errors[name] = f"{text!r} is not a date; use YYYY-MM-DD."
        return None


def conditions_text(conditions: dict) -> str:
    """The short form of conditions, for tables and exports."""
    parts = []
    for key, value in sorted((conditions or {}).items()):
        parts.append(f"{key}={'|'.join(value) if isinstance(value, list) else value}")
    return "; ".join(parts)
