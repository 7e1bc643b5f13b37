"""Plain builders for engine tests: documents, versions and master data without a database."""

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count

from apps.documents.canonical import Allocation, CanonicalDocument, DocumentType, Employee, Line, PaymentMode
from apps.mappings.engine import EntityMaster, MappingContext, MasterItem, RuleData, VersionData

D = Decimal

# A small FR master-data cache: ids follow no sandbox, they only need to be consistent here.
FR_MASTER = (
    MasterItem("employees", 7, "Jane Doe", "jane.doe@example.com", True, 2),
    MasterItem("employees", 8, "Old Timer", "old@example.com", False, 2),
    MasterItem("expense_categories", 31, "Taxi", "TAXI", True, None, {"expense_account_id": [601, "Travel"]}),
    MasterItem("expense_categories", 32, "Meals", "MEALS", True, None, {"expense_account_id": 602}),
    MasterItem("expense_categories", 33, "Hotel", "HOTEL", True, None, {}),
    MasterItem("accounts", 650, "650000 Misc", "650000", True, 2),
    MasterItem(
        "taxes", 41, "FR-20", "FR-20", True, 2, {"amount": 20, "amount_type": "percent", "type_tax_use": "purchase"}
    ),
    MasterItem(
        "taxes", 42, "FR-10", "FR-10", True, 2, {"amount": 10, "amount_type": "percent", "type_tax_use": "purchase"}
    ),
    MasterItem(
        "taxes", 43, "FR-20 sales", "FR-20S", True, 2, {"amount": 20, "amount_type": "percent", "type_tax_use": "sale"}
    ),
    MasterItem("projects", 51, "PRJ-ALPHA", "PRJ-ALPHA", True, 2, {"analytic_account_id": [71, "Alpha"]}),
    MasterItem("projects", 52, "PRJ-NOACC", "PRJ-NOACC", True, 2, {"analytic_account_id": False}),
    MasterItem("analytic_accounts", 71, "Alpha", "ALPHA", True, 2),
    MasterItem("analytic_accounts", 81, "Sales", "CC-SALES", True, 2),
    MasterItem("analytic_accounts", 82, "Engineering", "CC-ENG", True, 2),
    MasterItem("analytic_accounts", 83, "Closed", "CC-OLD", False, 2),
    MasterItem("journals", 91, "Card journal", "CARD", True, 2),
    MasterItem("journals", 92, "Expenses", "EXP", True, 2),
    MasterItem("currencies", 1, "EUR", "EUR", True, None),
    MasterItem("currencies", 2, "USD", "USD", True, None),
)


_ids = count(1000)
_SETS: dict = {}


def rule(rid, source, model, target, *, match="exact", position=0, **extra):
    return RuleData(
        id=rid, source_value=source, target_model=model, target_id=target, match=match, position=position, **extra
    )


def version(dimension, rules=(), *, vid=None, entity="FR", auto_match=False, start=None, end=None, activated=1):
    vid = vid or next(_ids)
    return VersionData(
        set_id=_SETS.setdefault((entity, dimension), len(_SETS) + 1),
        version_id=vid,
        number=activated,
        entity=entity,
        dimension=dimension,
        rules=tuple(rules),
        auto_match=auto_match,
        effective_from=start,
        effective_to=end,
        activated_at=datetime(2026, 1, 1, tzinfo=UTC).replace(day=activated),
    )


def standard_versions():
    return [
        version("employee", auto_match=True),
        version("currency", auto_match=True),
        version(
            "category",
            [
                rule(1, "TAXI", "product.product", 31),
                rule(2, "meals", "product.product", 32),
                rule(3, "Misc*", "account.account", 650, match="pattern"),
            ],
        ),
        version(
            "tax_code",
            [
                rule(10, "FR-20", "account.tax", 41),
                rule(11, "FR-10", "account.tax", 42),
                rule(12, "SALES-20", "account.tax", 43),
            ],
        ),
        version(
            "project", [rule(20, "PRJ-ALPHA", "project.project", 51), rule(21, "PRJ-NOACC", "project.project", 52)]
        ),
        version(
            "cost_centre",
            [
                rule(30, "CC-SALES", "account.analytic.account", 81),
                rule(31, "CC-ENG", "account.analytic.account", 82),
                rule(32, "CC-OLD", "account.analytic.account", 83),
            ],
        ),
        version("journal", [rule(40, "company", "account.journal", 91)]),
    ]


def context(versions=None, master=FR_MASTER):
    return MappingContext.build(
        standard_versions() if versions is None else versions, [EntityMaster("FR", 2, tuple(master))]
    )


def line(lid="L1", *, category="TAXI", amount="12.00", day=date(2026, 3, 10), **extra):
    return Line(id=lid, date=day, amount=D(amount), currency=extra.pop("currency", "EUR"), category=category, **extra)


def document(*lines, email="jane.doe@example.com", kind=DocumentType.EXPENSE_REPORT, entity="FR", source="R1", **extra):
    return CanonicalDocument(
        type=kind,
        source_id=source,
        entity=entity,
        employee=Employee(email=email, **extra),
        currency="EUR",
        lines=tuple(lines) or (line(),),
    )


__all__ = ["Allocation", "PaymentMode"]
