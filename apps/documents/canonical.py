"""The canonical expense document: what every intake (webhook, API pull, file drop) normalizes into.

Plain frozen dataclasses, no I/O: the mapping engine, the policy checks and the Odoo payload builders all
work on these. Amounts are Decimals, never floats; dates are `datetime.date`.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class DocumentType(StrEnum):
    EXPENSE_REPORT = "expense_report"
    CARD_TRANSACTION = "card_transaction"


class PaymentMode(StrEnum):
    EMPLOYEE = "employee"  # paid by the employee, to reimburse (Odoo payment_mode own_account)
    COMPANY = "company"  # paid by the company, e.g. a corporate card (Odoo company_account)


@dataclass(frozen=True)
class Allocation:
    """A split of a line across cost objects; percentages of one line add up to 100."""

    percent: Decimal
    project: str = ""
    cost_centre: str = ""
    department: str = ""


@dataclass(frozen=True)
class Employee:
    email: str = ""
    external_id: str = ""
    name: str = ""


@dataclass(frozen=True)
class Line:
    id: str
    date: date
    amount: Decimal  # in `currency`, tax included
    currency: str
    category: str
    merchant: str = ""
    description: str = ""
    tax_code: str = ""
    tax_amount: Decimal | None = None
    fx_rate: Decimal | None = None  # to the entity's currency, when the platform gives one
    converted_amount: Decimal | None = None
    project: str = ""
    cost_centre: str = ""
    department: str = ""
    receipt: bool = False
    receipt_url: str = ""
    payment: PaymentMode = PaymentMode.EMPLOYEE
    allocations: tuple[Allocation, ...] = ()
    mileage_distance: Decimal | None = None  # amount = distance × rate
    mileage_rate: Decimal | None = None
    per_diem_days: Decimal | None = None  # amount = days × rate
    per_diem_rate: Decimal | None = None
    card_transaction_id: str = ""
    billable: bool = False

    def amount_in(self, currency: str) -> Decimal:
        """The amount in `currency` when known from the platform's conversion, else the amount itself."""
        if self.currency == currency:
            return self.amount
        if self.converted_amount is not None:
            return self.converted_amount
        if self.fx_rate is not None:
            return (self.amount * self.fx_rate).quantize(Decimal("0.01"))
        return self.amount


@dataclass(frozen=True)
class CanonicalDocument:
    type: DocumentType
    source_id: str  # the platform's id of the report or transaction
    entity: str  # legal entity code, e.g. "FR"
    employee: Employee
    currency: str
    lines: tuple[Line, ...]
    revision: int = 1
    title: str = ""
    approved_at: datetime | None = None
    card_last4: str = ""
    extra: dict = field(default_factory=dict)  # platform fields kept for lineage, never used for posting

    @property
    def total(self) -> Decimal:
        """Sum of the lines in the document currency. A foreign-currency line counts with its converted amount
        (or amount × fx_rate); one without either counts at face value, so the total is then indicative only."""
        return sum((line.amount_in(self.currency) for line in self.lines), Decimal("0"))
