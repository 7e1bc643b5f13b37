"""Expensify Integration Server export (combinedReportData, one report as our template renders it) → document.

Amounts are integers in CENTS: Expensify stores hundredths whatever the currency (`amount`/100), so a JPY
amount arrives ×100 too. Field precedence follows
Expensify: a non-empty `modifiedAmount`, `modifiedMerchant`, `modifiedCreated` replaces the original. The
`tag` carries cost objects by a convention configured per connector (default "COST_CENTRE:PROJECT").
Paths in errors use Expensify's names (`transactionList[2].created`).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from apps.documents.canonical import CanonicalDocument, DocumentType, Employee, Line, PaymentMode
from apps.documents.normalize import checks
from apps.documents.normalize import fields as f
from apps.documents.normalize.canonical import ID_MAX
from apps.documents.normalize.fields import Collector

EXPORTABLE_STATUSES = frozenset({"APPROVED", "REIMBURSED", "CLOSED"})
SOURCE_SYSTEM = "expensify"


@dataclass(frozen=True)
class ExpensifyConvention:
    """How a connector's Expensify policy maps onto our dimensions (stored in the connector's options)."""

    entity_by_policy: dict = field(default_factory=dict)  # policyID → legal entity code
    default_entity: str = ""
    tag_separator: str = ":"
    tag_levels: tuple = ("cost_centre", "project")  # multi-level tag "CC-SALES:PRJ-ALPHA"
    category_source: str = "category"  # or "categoryGlCode"


def _cents(c: Collector, value, path: str, currency: str, *, required: bool = True) -> Decimal | None:
    """An integer number of hundredths → Decimal in currency units (4250 → 42.50), checked against the
    currency's minor units afterwards (42.50 JPY is refused)."""
    if value is None or value == "":
        if required:
            c.add(path, "is required")
        return None
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        c.add(path, f"must be a whole number of cents (got {value!r})")
        return None
    return Decimal(value).scaleb(-2)


def _modified(data: dict, name: str):
    """Expensify's precedence: the modified value when it is set (non-empty, non-zero), else the original."""
    modified = data.get("modified" + name[0].upper() + name[1:])
    return modified if modified not in (None, "", 0) else data.get(name)


def _date(c: Collector, value, path: str):
    """`created` is "YYYY-MM-DD" (sometimes with a time)."""
    if isinstance(value, str) and len(value) > 10 and value[10] in " T":
        value = value[:10]
    return f.date_value(c, value, path)


def normalize_expensify(report, convention: ExpensifyConvention | None = None) -> CanonicalDocument:
    """One exported report → CanonicalDocument (revision 1: Expensify has no revision numbers; the intake
    derives revisions from content). Raises SchemaError with Expensify field paths."""
    convention = convention or ExpensifyConvention()
    c = Collector()
    if not isinstance(report, dict):
        c.add("", "the report must be a JSON object")
        c.raise_if_any()
    currency = f.currency(c, report.get("currency"), "currency")
    status = str(report.get("status", "")).upper()
    if status not in EXPORTABLE_STATUSES:
        c.add("status", f"report is {report.get('status')!r}; only approved reports are imported")
    items = report.get("transactionList")
    if not isinstance(items, list) or not items:
        c.add("transactionList", "must list the report's expenses")
        items = []
    lines = [_line(c, item, f"transactionList[{i}]", convention) for i, item in enumerate(items)]
    document = CanonicalDocument(
        type=DocumentType.EXPENSE_REPORT,
        source_id=f.text(c, str(report.get("reportID") or ""), "reportID", required=True, max_length=ID_MAX),
        entity=_entity(c, report.get("policyID"), convention),
        employee=Employee(
            email=f.email(c, report.get("accountEmail"), "accountEmail"),
            name=f.text(c, report.get("submitterName"), "submitterName"),
        ),
        currency=currency,
        title=f.text(c, report.get("reportName"), "reportName", max_length=300),
        approved_at=f.datetime_value(c, report.get("approved"), "approved", naive_is_utc=True),
        lines=tuple(line for line in lines if line is not None),
        extra=_extra(report),
    )
    if not document.employee.email and not any(p == "accountEmail" for p, _ in c.errors):
        c.add("accountEmail", "is required")
    _check_total(c, report, document)
    c.raise_if_any()
    return document


def _entity(c: Collector, policy_id, convention: ExpensifyConvention) -> str:
    entity = convention.entity_by_policy.get(policy_id) or convention.default_entity
    if not entity:
        c.add("policyID", f"no legal entity is configured for Expensify policy {policy_id!r}")
    return entity


def _line(c: Collector, item, path: str, convention: ExpensifyConvention) -> Line | None:
    if not isinstance(item, dict):
        c.add(path, "must be an object")
        return None
    p = lambda name: f"{path}.{name}"  # noqa: E731
    currency = f.currency(c, item.get("currency"), p("currency"))
    amount_name = "modifiedAmount" if item.get("modifiedAmount") not in (None, "", 0) else "amount"
    amount = _cents(c, _modified(item, "amount"), p(amount_name), currency)
    tax_amount = _cents(c, item.get("taxAmount"), p("taxAmount"), currency, required=False)
    checks.check_amounts(
        c,
        amount=amount,
        currency=currency,
        tax_amount=tax_amount,
        paths={"amount": p(amount_name), "tax_amount": p("taxAmount")},
    )
    mileage = _units(c, item.get("units"), p("units"), currency, amount, p(amount_name))
    reimbursable = item.get("reimbursable", True) is not False
    receipt_url = ((item.get("receiptObject") or {}).get("url") or "").strip()
    return Line(
        id=f.text(c, str(item.get("transactionID") or ""), p("transactionID"), required=True, max_length=ID_MAX),
        date=_date(c, _modified(item, "created"), p("modifiedCreated" if item.get("modifiedCreated") else "created")),
        amount=amount,
        currency=currency,
        category=f.text(c, item.get(convention.category_source), p(convention.category_source), required=True),
        merchant=f.text(c, _modified(item, "merchant"), p("merchant"), max_length=300),
        description=f.text(c, item.get("comment"), p("comment"), max_length=1000),
        tax_code=f.text(c, item.get("taxCode"), p("taxCode"), max_length=100),
        tax_amount=tax_amount,
        fx_rate=_rate(c, item.get("currencyConversionRate"), p("currencyConversionRate")),
        converted_amount=_cents(c, item.get("convertedAmount"), p("convertedAmount"), currency, required=False),
        receipt=bool(item.get("receiptID") or receipt_url),
        receipt_url=receipt_url if receipt_url.startswith(("https://", "http://")) else "",
        payment=PaymentMode.EMPLOYEE if reimbursable else PaymentMode.COMPANY,
        card_transaction_id="" if reimbursable else str(item.get("transactionID") or ""),
        billable=item.get("billable") is True,
        mileage_distance=mileage[0],
        mileage_rate=mileage[1],
        **_tag_dimensions(item.get("tag"), convention),
    )


def _rate(c: Collector, value, path: str) -> Decimal | None:
    rate = f.decimal_value(c, value, path, required=False, allow_float=True)
    return None if rate in (None, Decimal(1)) else f.positive(c, rate, path)


def _units(c: Collector, units, path: str, currency: str, amount, amount_path: str):
    """Distance expenses: units.count × units.rate (rate in cents per unit) must equal the amount."""
    if not isinstance(units, dict) or units.get("count") in (None, ""):
        return None, None
    count = f.positive(c, f.decimal_value(c, units.get("count"), f"{path}.count", allow_float=True), f"{path}.count")
    rate_cents = f.decimal_value(c, units.get("rate"), f"{path}.rate", allow_float=True)
    rate = None if rate_cents is None else rate_cents.scaleb(-2)
    checks.check_rate_product(
        c, what="mileage distance", quantity=count, rate=rate, amount=amount, currency=currency, path=amount_path
    )
    return count, rate


def _tag_dimensions(tag, convention: ExpensifyConvention) -> dict:
    """ "CC-SALES:PRJ-ALPHA" with levels (cost_centre, project) → {"cost_centre": "CC-SALES", "project": …}."""
    if not isinstance(tag, str) or not tag.strip():
        return {}
    parts = [part.strip() for part in tag.split(convention.tag_separator)]
    return {level: value for level, value in zip(convention.tag_levels, parts, strict=False) if value}


def _check_total(c: Collector, report: dict, document: CanonicalDocument) -> None:
    """When every line is in the report currency, the report `total` (cents) must be their sum."""
    if c.errors or report.get("total") in (None, ""):
        return
    if any(line.currency != document.currency for line in document.lines):
        return
    total = _cents(c, report.get("total"), "total", document.currency)
    if total is not None and abs(total) != abs(document.total):
        c.add("total", f"is {total} but the expenses add up to {document.total}")


def _extra(report: dict) -> dict:
    # Not `status` or `reimbursed`: they change when the console marks a report reimbursed, and the intake derives
    # revisions from content, so a re-pulled report would otherwise arrive as a new revision of itself.
    keep = ("policyID", "submitted", "managerEmail", "customField")
    return {key: report[key] for key in keep if report.get(key) not in (None, "", {})}
