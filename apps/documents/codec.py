"""Canonical document ⇄ JSON-ready dict, exactly.

`to_json` produces the canonical wire format (the one the generic webhook accepts and the JSON Schema
describes): Decimals as strings (so "42.50" stays "42.50"), dates as `YYYY-MM-DD`, datetimes as ISO 8601 in
UTC with `Z`. `from_json` is the inverse for data we wrote ourselves (stored documents); untrusted input goes
through `apps.documents.normalize.canonical.normalize_canonical`, which validates and then builds the same
dataclasses. `from_json(to_json(doc)) == doc` for every document.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from apps.documents.canonical import Allocation, CanonicalDocument, DocumentType, Employee, Line, PaymentMode


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _opt_dec(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def format_datetime(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _employee_json(employee: Employee) -> dict:
    return {
        k: v
        for k, v in (("email", employee.email), ("external_id", employee.external_id), ("name", employee.name))
        if v
    }


def _line_json(line: Line) -> dict:
    data = {
        "id": line.id,
        "date": line.date.isoformat(),
        "amount": str(line.amount),
        "currency": line.currency,
        "category": line.category,
        "payment": str(line.payment),
        "receipt": line.receipt,
    }
    for name in (
        "merchant",
        "description",
        "tax_code",
        "project",
        "cost_centre",
        "department",
        "receipt_url",
        "card_transaction_id",
    ):
        if getattr(line, name):
            data[name] = getattr(line, name)
    for name in ("tax_amount", "fx_rate", "converted_amount"):
        if getattr(line, name) is not None:
            data[name] = _dec(getattr(line, name))
    if line.billable:
        data["billable"] = True
    if line.allocations:
        data["allocations"] = [_allocation_json(a) for a in line.allocations]
    if line.mileage_distance is not None:
        data["mileage"] = {"distance": _dec(line.mileage_distance), "rate": _dec(line.mileage_rate)}
    if line.per_diem_days is not None:
        data["per_diem"] = {"days": _dec(line.per_diem_days), "rate": _dec(line.per_diem_rate)}
    return data


def _allocation_json(allocation: Allocation) -> dict:
    data = {"percent": str(allocation.percent)}
    data.update({k: getattr(allocation, k) for k in ("project", "cost_centre", "department") if getattr(allocation, k)})
    return data


def to_json(document: CanonicalDocument) -> dict:
    """The canonical wire dict of `document` (JSON-serialisable, no floats)."""
    data = {
        "type": str(document.type),
        "id": document.source_id,
        "revision": document.revision,
        "entity": document.entity,
        "employee": _employee_json(document.employee),
        "currency": document.currency,
        "lines": [_line_json(line) for line in document.lines],
    }
    if document.title:
        data["title"] = document.title
    if document.approved_at is not None:
        data["approved_at"] = format_datetime(document.approved_at)
    if document.card_last4:
        data["card_last4"] = document.card_last4
    if document.extra:
        data["extra"] = document.extra
    return data


def _line_from(data: dict) -> Line:
    mileage, per_diem = data.get("mileage") or {}, data.get("per_diem") or {}
    return Line(
        id=data["id"],
        date=date.fromisoformat(data["date"]),
        amount=Decimal(data["amount"]),
        currency=data["currency"],
        category=data["category"],
        payment=PaymentMode(data.get("payment", PaymentMode.EMPLOYEE)),
        receipt=bool(data.get("receipt", False)),
        billable=bool(data.get("billable", False)),
        tax_amount=_opt_dec(data.get("tax_amount")),
        fx_rate=_opt_dec(data.get("fx_rate")),
        converted_amount=_opt_dec(data.get("converted_amount")),
        allocations=tuple(
            Allocation(
                percent=Decimal(a["percent"]), **{k: a.get(k, "") for k in ("project", "cost_centre", "department")}
            )
            for a in data.get("allocations", ())
        ),
        mileage_distance=_opt_dec(mileage.get("distance")),
        mileage_rate=_opt_dec(mileage.get("rate")),
        per_diem_days=_opt_dec(per_diem.get("days")),
        per_diem_rate=_opt_dec(per_diem.get("rate")),
        **{
            k: data.get(k, "")
            for k in (
                "merchant",
                "description",
                "tax_code",
                "project",
                "cost_centre",
                "department",
                "receipt_url",
                "card_transaction_id",
            )
        },
    )


def from_json(data: dict) -> CanonicalDocument:
    """Rebuild a document from `to_json` output. Trusts its input: validate untrusted data first."""
    approved_at = data.get("approved_at")
    return CanonicalDocument(
        type=DocumentType(data["type"]),
        source_id=data["id"],
        revision=int(data.get("revision", 1)),
        entity=data["entity"],
        employee=Employee(**data.get("employee", {})),
        currency=data["currency"],
        lines=tuple(_line_from(line) for line in data["lines"]),
        title=data.get("title", ""),
        approved_at=datetime.fromisoformat(approved_at) if approved_at else None,
        card_last4=data.get("card_last4", ""),
        extra=data.get("extra", {}),
    )
