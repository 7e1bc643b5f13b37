"""Correctable fields of a held document, stored on the item (`corrections`) for the pipeline to apply.

Pure validation, no database writes: `validate_corrections(item, raw)` returns the cleaned dict or raises
WorklistError with one message per field. The pipeline reads `item.corrections` when it re-drives:
- tax_code: {"tax_code": "FR-VAT-20", "line_id": "L1" (optional: all lines when absent)}
- receipt_received: true — the receipt was received out of band; do not hold for it again
- posting_date: "YYYY-MM-DD" — post on this date instead of the document date (closed periods)
- note: free text shown to the pipeline's audit entry
"""

from datetime import date, timedelta

from apps.worklist.calendar import today
from apps.worklist.errors import WorklistError

ALLOWED = {
    "invalid_tax": {"tax_code", "line_id", "note"},
    "missing_receipt": {"receipt_received", "note"},
    "closed_period": {"posting_date", "note"},
    "rejected_by_odoo": {"tax_code", "line_id", "posting_date", "note"},
    "policy_violation": {"receipt_received", "note"},
}


def correctable_fields(category: str) -> set[str]:
    return ALLOWED.get(category, set())


def validate_corrections(item, raw: dict) -> dict:
    """Cleaned corrections for `item`, or WorklistError naming each bad field (nothing stored)."""
    allowed = correctable_fields(item.category)
    if not allowed:
        raise WorklistError(f"{item.get_category_display()} items have no correctable fields; use retry or resolve.")
    errors, clean = {}, {}
    for name in sorted(set(raw) - allowed):
        errors[name] = "This field cannot be corrected for this kind of item."
    for name in sorted(set(raw) & allowed):
        try:
            value = _CLEANERS[name](raw[name], item)
        except ValueError as error:
            errors[name] = str(error)
            continue
        if value not in (None, ""):
            clean[name] = value
    if not errors and not (set(clean) - {"note", "line_id"}):
        errors["__all__"] = "Give at least one correction."
    if errors:
        raise WorklistError("The correction was not saved: fix the fields marked.", fields=errors)
    return clean


def _text(value, limit: int, what: str) -> str:
    value = str(value or "").strip()
    if len(value) > limit:
        raise ValueError(f"The {what} is longer than {limit} characters.")
    return value


def _tax_code(value, item) -> str:
    code = _text(value, 64, "tax code")
    if not code:
        raise ValueError("Choose a tax code.")
    return code


def _line_id(value, item) -> str:
    line_id = _text(value, 200, "line id")
    document = item.document
    if line_id and document is not None and not document.lines.filter(line_id=line_id).exists():
        raise ValueError(f"The document has no line {line_id!r}.")
    return line_id


def _receipt(value, item) -> bool:
    if value in (True, "true", "on", "1", 1):
        return True
    raise ValueError("Tick the box to confirm the receipt was received.")


def _posting_date(value, item) -> str:
    try:
        chosen = value if isinstance(value, date) else date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError("Enter the posting date as YYYY-MM-DD.") from None
    lock = item.entity.effective_lock_date if item.entity_id else None
    if lock is not None and chosen <= lock:
        raise ValueError(f"The period is locked in Odoo up to {lock.isoformat()}; choose a later date.")
    if chosen > today() + timedelta(days=366):
        raise ValueError("The posting date is more than a year ahead; check the year.")
    return chosen.isoformat()


def _note(value, item) -> str:
    return _text(value, 500, "note")


_CLEANERS = {
    "tax_code": _tax_code,
    "line_id": _line_id,
    "receipt_received": _receipt,
    "posting_date": _posting_date,
    "note": _note,
}
