"""Plain data the mapping engine works on: its inputs (versions, rules, master data) and its outputs.

No Django here: the engine is a set of pure functions, tested without a database and fed by
`apps.mappings.mapping_context_load` in production.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class Dimension(StrEnum):
    EMPLOYEE = "employee"
    VENDOR = "vendor"
    CATEGORY = "category"
    TAX_CODE = "tax_code"
    PROJECT = "project"
    DEPARTMENT = "department"
    COST_CENTRE = "cost_centre"
    JOURNAL = "journal"
    CURRENCY = "currency"


class FailureCategory(StrEnum):
    MAPPING_MISSING = "mapping_missing"
    MASTER_DATA_MISSING = "master_data_missing"
    INVALID_TAX = "invalid_tax"


class MatchKind(StrEnum):
    EXACT = "exact"
    PATTERN = "pattern"  # a glob: `*` any run of characters, `?` one character; case-insensitive


# Odoo models a rule of each dimension may target (the first is the usual one).
DIMENSION_TARGETS: dict[str, tuple[str, ...]] = {
    Dimension.EMPLOYEE: ("hr.employee",),
    Dimension.VENDOR: ("res.partner",),
    Dimension.CATEGORY: ("product.product", "account.account"),
    Dimension.TAX_CODE: ("account.tax",),
    Dimension.PROJECT: ("project.project", "account.analytic.account"),
    Dimension.DEPARTMENT: ("account.analytic.account", "hr.department"),
    Dimension.COST_CENTRE: ("account.analytic.account",),
    Dimension.JOURNAL: ("account.journal",),
    Dimension.CURRENCY: ("res.currency",),
}

# Master-data kind (cache) holding the records of each Odoo model; res.partner is not cached.
MODEL_KINDS: dict[str, str] = {
    "res.company": "companies",
    "hr.employee": "employees",
    "hr.department": "departments",
    "project.project": "projects",
    "account.analytic.account": "analytic_accounts",
    "account.analytic.plan": "analytic_plans",
    "account.tax": "taxes",
    "account.account": "accounts",
    "account.journal": "journals",
    "product.product": "expense_categories",
    "res.currency": "currencies",
}

# "Match by key" (a flag of a version): a value with no explicit rule maps to the cached record whose code
# equals it — employees by work email, currencies by ISO code, categories by product reference, …
AUTO_MATCH_MODEL: dict[str, str] = {
    Dimension.EMPLOYEE: "hr.employee",
    Dimension.CURRENCY: "res.currency",
    Dimension.CATEGORY: "product.product",
    Dimension.COST_CENTRE: "account.analytic.account",
    Dimension.PROJECT: "project.project",
    Dimension.JOURNAL: "account.journal",
}

# Dimensions whose absence of a mapping does not stop a document (Odoo falls back to its defaults).
OPTIONAL_DIMENSIONS = frozenset({Dimension.VENDOR, Dimension.JOURNAL})

# Keys a rule's conditions may test, and where their value comes from.
CONDITION_KEYS = ("document_type", "payment", "currency", "category")


# --- inputs ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RuleData:
    id: int
    source_value: str
    target_model: str
    target_id: int
    target_name: str = ""
    match: str = MatchKind.EXACT
    conditions: Mapping = field(default_factory=dict)
    effective_from: date | None = None
    effective_to: date | None = None  # exclusive
    position: int = 0


@dataclass(frozen=True)
class VersionData:
    """An approved version of a mapping set with its effective range ([from, to), None = open)."""

    set_id: int
    version_id: int
    number: int
    entity: str
    dimension: str
    rules: tuple[RuleData, ...] = ()
    auto_match: bool = False
    effective_from: date | None = None
    effective_to: date | None = None
    activated_at: datetime | None = None


@dataclass(frozen=True)
class MasterItem:
    """One cached Odoo record, as the engine needs it."""

    kind: str
    odoo_id: int
    name: str = ""
    code: str = ""
    active: bool = True
    company_id: int | None = None
    data: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class EntityMaster:
    entity: str
    company_id: int | None
    items: tuple[MasterItem, ...] = ()


# --- outputs ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Failure:
    category: str  # FailureCategory
    dimension: str
    source_value: str
    line_id: str  # "" for the document (employee)
    message: str
    entity: str = ""
    mapping_set_id: int | None = None

    @property
    def subject_key(self) -> str:
        """Stable key of the problem (same value, same dimension, same entity → same worklist subject)."""
        return f"{self.category}:{self.entity}:{self.dimension}:{self.source_value.casefold()}"


@dataclass(frozen=True)
class ResolvedLine:
    line_id: str
    employee_id: int | None = None
    product_id: int | None = None
    account_id: int | None = None
    tax_ids: tuple[int, ...] = ()
    analytic_distribution: Mapping[int, Decimal] = field(default_factory=dict)
    journal_id: int | None = None
    currency_id: int | None = None
    partner_id: int | None = None
    department_id: int | None = None

    def odoo_analytic_distribution(self) -> dict[str, float]:
        """The distribution as Odoo stores it: {"<analytic account id>": percent}."""
        return {str(key): float(value) for key, value in sorted(self.analytic_distribution.items())}


@dataclass(frozen=True)
class Resolution:
    lines: tuple[ResolvedLine, ...]
    failures: tuple[Failure, ...]
    versions: Mapping[str, int] = field(default_factory=dict)  # dimension → version id used (lineage)

    @property
    def ok(self) -> bool:
        return not self.failures
