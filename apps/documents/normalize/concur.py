"""SAP Concur Expense v4 report + its expenses + their allocations → document.

Shapes (developer.concur.com v4): money is `{value, currencyCode}`, `exchangeRate{value, operation}`,
`expenseType{id,name,code}`, `paymentType{id,name,code}`, `vendor{name}`, allocations with `percentage` and
`customData[{id, value}]`. The line amount is the `transactionAmount` (what was spent, in its currency);
`approvedAmount` (else `postedAmount`) in the report currency becomes `converted_amount`. Personal expenses
are not company costs and are left out (their ids are kept in `extra`). Paths in errors use Concur's names.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from apps.documents.canonical import Allocation, CanonicalDocument, DocumentType, Employee, Line, PaymentMode
from apps.documents.normalize import checks
from apps.documents.normalize import fields as f
from apps.documents.normalize.canonical import ID_MAX
from apps.documents.normalize.fields import Collector

APPROVED_STATUS_IDS = frozenset({"A_APPR", "A_EXTV", "A_PVAL"})  # approved; approved pending external validation
SOURCE_SYSTEM = "concur"


@dataclass(frozen=True)
class ConcurConvention:
    """How a connector's Concur configuration maps onto ours (stored in the connector's options)."""

    entity_by_policy: dict = field(default_factory=dict)  # policyId → legal entity code
    entity_custom_field: str = ""  # or: the report customData id whose value is the entity code
    default_entity: str = ""
    # allocation / expense customData ids → our dimension names
    dimension_fields: dict = field(default_factory=lambda: {"custom1": "cost_centre", "custom2": "project"})
    company_paid_codes: frozenset = frozenset({"CBCP", "IBCP", "COPD", "COMPANY"})
    tax_code_field: str = ""  # expense customData id carrying the tax code, if any


def _money(c: Collector, value, path: str, *, required: bool = True) -> tuple[Decimal | None, str]:
    if value is None and not required:
        return None, ""
    if not isinstance(value, dict):
        c.add(path, "must be {value, currencyCode}")
        return None, ""
    amount = f.decimal_value(c, value.get("value"), f"{path}.value", allow_float=True)
    return amount, f.currency(c, value.get("currencyCode"), f"{path}.currencyCode")


def _custom(data: dict) -> dict:
    return {item.get("id"): item.get("value") for item in data.get("customData") or () if isinstance(item, dict)}


def normalize_concur(
    report, expenses, allocations: dict | None = None, convention: ConcurConvention | None = None
) -> CanonicalDocument:
    """`report`: v4 report; `expenses`: its expenses; `allocations`: expenseId → list of v4 allocations."""
    convention = convention or ConcurConvention()
    allocations = allocations or {}
    c = Collector()
    if not isinstance(report, dict) or not isinstance(expenses, list):
        c.add("", "a Concur report (object) and its expenses (list) are required")
        c.raise_if_any()
    if report.get("approvalStatusId") not in APPROVED_STATUS_IDS:
        c.add("approvalStatusId", f"report is {report.get('approvalStatusId')!r}; only approved reports are imported")
    business = [(i, e) for i, e in enumerate(expenses) if not (isinstance(e, dict) and e.get("isPersonalExpense"))]
    if not business:
        c.add("expenses", "the report has no business expense")
    lines = [_line(c, e, f"expenses[{i}]", allocations.get(_id(e)), convention) for i, e in business]
    personal = [_id(e) for e in expenses if isinstance(e, dict) and e.get("isPersonalExpense")]
    document = CanonicalDocument(
        type=DocumentType.EXPENSE_REPORT,
        source_id=f.text(c, report.get("reportId"), "reportId", required=True, max_length=ID_MAX),
        entity=_entity(c, report, convention),
        employee=_employee(c, report),
        currency=f.currency(c, report.get("currencyCode"), "currencyCode"),
        title=f.text(c, report.get("name"), "name", max_length=300),
        approved_at=f.datetime_value(c, report.get("approvalDate"), "approvalDate", naive_is_utc=True),
        lines=tuple(line for line in lines if line is not None),
        extra={k: v for k, v in (("policyId", report.get("policyId")), ("personalExpenseIds", personal)) if v},
    )
    c.raise_if_any()
    return document


def _id(expense) -> str:
    return str(expense.get("expenseId") or "") if isinstance(expense, dict) else ""


def _entity(c: Collector, report: dict, convention: ConcurConvention) -> str:
    entity = (
        (_custom(report).get(convention.entity_custom_field) if convention.entity_custom_field else None)
        or convention.entity_by_policy.get(report.get("policyId"))
        or convention.default_entity
    )
    if not entity:
        c.add("policyId", f"no legal entity is configured for Concur policy {report.get('policyId')!r}")
    return entity or ""


def _employee(c: Collector, report: dict) -> Employee:
    owner = report.get("owner") if isinstance(report.get("owner"), dict) else {}
    employee = Employee(
        email=f.email(c, owner.get("email"), "owner.email"),
        external_id=f.text(c, owner.get("employeeId") or report.get("userId"), "owner.employeeId", max_length=100),
        name=f.text(c, owner.get("name"), "owner.name"),
    )
    if not (employee.email or employee.external_id):
        c.add("owner", "needs an email or an employeeId")
    return employee


def _line(c: Collector, e, path: str, allocations, convention: ConcurConvention) -> Line | None:
    if not isinstance(e, dict):
        c.add(path, "must be an object")
        return None
    amount, currency = _money(c, e.get("transactionAmount"), f"{path}.transactionAmount")
    approved_name = "approvedAmount" if e.get("approvedAmount") is not None else "postedAmount"
    converted, _ = _money(c, e.get(approved_name), f"{path}.{approved_name}", required=False)
    checks.check_amounts(
        c,
        amount=amount,
        currency=currency,
        tax_amount=None,
        paths={"amount": f"{path}.transactionAmount.value", "tax_amount": ""},
    )
    custom = _custom(e)
    dims, splits = _allocations(c, allocations, f"{path}.allocations", convention)
    payment_code = ((e.get("paymentType") or {}).get("code") or "").upper()
    company_paid = payment_code in convention.company_paid_codes
    return Line(
        id=f.text(c, e.get("expenseId"), f"{path}.expenseId", required=True, max_length=ID_MAX),
        date=f.date_value(c, e.get("transactionDate"), f"{path}.transactionDate"),
        amount=amount,
        currency=currency,
        category=f.text(c, (e.get("expenseType") or {}).get("code"), f"{path}.expenseType.code", required=True),
        merchant=f.text(c, (e.get("vendor") or {}).get("name"), f"{path}.vendor.name", max_length=300),
        description=f.text(c, e.get("businessPurpose"), f"{path}.businessPurpose", max_length=1000),
        tax_code=f.text(c, custom.get(convention.tax_code_field), f"{path}.customData", max_length=100)
        if convention.tax_code_field
        else "",
        fx_rate=_exchange_rate(c, e.get("exchangeRate"), f"{path}.exchangeRate"),
        converted_amount=converted,
        receipt=bool(e.get("receiptImageId") or e.get("ereceiptImageId")),
        payment=PaymentMode.COMPANY if company_paid else PaymentMode.EMPLOYEE,
        card_transaction_id=str(e.get("creditCardTransactionId") or "") if company_paid else "",
        allocations=tuple(splits),
        **({} if splits else {**_dimensions(custom, convention), **dims}),
    )


def _exchange_rate(c: Collector, value, path: str) -> Decimal | None:
    """To the report currency; Concur says whether to MULTIPLY or DIVIDE by `value`."""
    if not isinstance(value, dict):
        return None
    rate = f.positive(c, f.decimal_value(c, value.get("value"), f"{path}.value", allow_float=True), f"{path}.value")
    if rate is None or rate == 1:
        return None
    return rate if value.get("operation", "MULTIPLY") == "MULTIPLY" else (Decimal(1) / rate).quantize(Decimal("1e-10"))


def _dimensions(custom: dict, convention: ConcurConvention) -> dict:
    return {name: str(custom[key]).strip() for key, name in convention.dimension_fields.items() if custom.get(key)}


def _allocations(c: Collector, items, path: str, convention: ConcurConvention) -> tuple[dict, list[Allocation]]:
    """One 100 % allocation → the line's own dimensions; several → split allocations (checked to sum to 100)."""
    if not items:
        return {}, []
    splits = []
    for index, item in enumerate(items):
        percent = f.decimal_value(c, (item or {}).get("percentage"), f"{path}[{index}].percentage", allow_float=True)
        if percent is not None:
            splits.append(Allocation(percent=percent, **_dimensions(_custom(item or {}), convention)))
    if len(splits) == 1 and splits[0].percent == checks.HUNDRED:
        only = splits[0]
        return {name: getattr(only, name) for name in checks.DIMENSIONS if getattr(only, name)}, []
    checks.check_allocations(c, splits, line_dimensions={}, path=path)
    return {}, splits
