"""`resolve(document, context)`: a canonical document → the Odoo values of each line, or precise failures.

Pure: no ORM, no I/O, no clock. Every value the document carries for a dimension is looked up in the
version of that dimension's mapping set in force on the line's date; the target must be an active record of
the entity's master-data cache. What cannot be resolved becomes a `Failure` naming the dimension and the
source value, so the worklist can route it to the owner of the mapping set.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from apps.documents.canonical import Allocation, CanonicalDocument, Line
from apps.mappings.engine.context import MappingContext, MasterIndex, normalize
from apps.mappings.engine.types import (
    AUTO_MATCH_MODEL,
    MODEL_KINDS,
    OPTIONAL_DIMENSIONS,
    Dimension,
    Failure,
    FailureCategory,
    Resolution,
    ResolvedLine,
)

MISSING = object()
TAX_TOLERANCE = Decimal("0.02")
LABELS = {d: d.value.replace("_", " ") for d in Dimension}


class Target(NamedTuple):
    model: str
    odoo_id: int
    name: str = ""
    by_rule: bool = True


@dataclass
class _Run:
    document: CanonicalDocument
    context: MappingContext
    master: MasterIndex
    failures: list[Failure] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)

    def fail(self, category, dimension, value, line_id, message, set_id=None) -> None:
        failure = Failure(str(category), str(dimension), value, line_id, message, self.document.entity, set_id)
        if failure not in self.failures:
            self.failures.append(failure)

    def find(self, dimension: Dimension, value: str, facts: dict, on: date | None, line_id: str) -> Target | None:
        """The active Odoo target of `value`, or None (a failure is recorded unless the dimension is optional)."""
        key, entity = normalize(value), self.document.entity
        if not key:
            return None
        index = self.context.version_for(entity, dimension, on)
        if index is None:
            if dimension not in OPTIONAL_DIMENSIONS:
                message = f"No approved {LABELS[dimension]} mapping is in force for {entity} on {on or 'that date'}."
                self.fail(FailureCategory.MAPPING_MISSING, dimension, value, line_id, message)
            return None
        version = index.version
        self.versions[dimension] = version.version_id
        # Facts and dates only matter to versions having conditional or dated rules: leaving them out of the
        # memo key lets one look-up serve every line carrying the same value.
        facts_key = tuple(facts.values()) if index.conditional else None
        memo_key = (version.version_id, key, facts_key, on if index.dated_rules else None)
        target = self.context.memo.get(memo_key, MISSING)
        if target is MISSING:
            rule = index.lookup(key, facts, on)
            target = Target(rule.target_model, rule.target_id, rule.target_name) if rule else None
            if target is None and version.auto_match:
                odoo_id = self.master.auto_match(dimension, key)
                target = Target(AUTO_MATCH_MODEL[dimension], odoo_id, by_rule=False) if odoo_id else None
            self.context.memo[memo_key] = target
        if target is None:
            self._unmapped(dimension, value, line_id, version)
            return None
        return self._checked(dimension, value, line_id, target, version.set_id)

    def _unmapped(self, dimension, value, line_id, version) -> None:
        if dimension in OPTIONAL_DIMENSIONS:
            return
        entity = self.document.entity
        if version.auto_match and dimension == Dimension.EMPLOYEE:
            message = (
                f"No active Odoo employee of {entity} has the work email {value!r}: fix the employee in Odoo "
                "(then refresh master data) or add an explicit employee mapping."
            )
            self.fail(FailureCategory.MASTER_DATA_MISSING, dimension, value, line_id, message, version.set_id)
            return
        message = f"No {LABELS[dimension]} mapping for {value!r} in {entity} (version {version.number})."
        self.fail(FailureCategory.MAPPING_MISSING, dimension, value, line_id, message, version.set_id)

    def _checked(self, dimension, value, line_id, target: Target, set_id) -> Target | None:
        if target.model not in MODEL_KINDS:  # not cached (res.partner): trusted as approved
            return target
        record = self.master.get(target.model, target.odoo_id)
        if record is not None and record.active:
            return target
        state = "archived" if record is not None else "missing"
        label = target.name or (record.name if record else "")
        message = (
            f"The {LABELS[dimension]} mapping of {value!r} points to {target.model} {target.odoo_id}"
            f"{f' ({label})' if label else ''}, which is {state} in Odoo for {self.document.entity}."
        )
        self.fail(FailureCategory.MASTER_DATA_MISSING, dimension, value, line_id, message, set_id)
        return None


def resolve(document: CanonicalDocument, context: MappingContext) -> Resolution:
    """Resolve every line of `document`. Never raises for data problems: they come back as failures."""
    run = _Run(document=document, context=context, master=context.master(document.entity))
    first_date = min((line.date for line in document.lines), default=None)
    employee_id = _employee(run, first_date)
    lines = tuple(_line(run, line, employee_id) for line in document.lines)
    return Resolution(lines=lines, failures=tuple(run.failures), versions=dict(run.versions))


def _employee(run: _Run, on: date | None) -> int | None:
    person = run.document.employee
    facts = {"document_type": str(run.document.type), "currency": run.document.currency}
    values = [v for v in (person.email, person.external_id) if v]
    index = run.context.version_for(run.document.entity, Dimension.EMPLOYEE, on)
    # An explicit rule on the platform id wins over the e-mail fallback: look for a rule on each value first.
    if index is not None and len(values) > 1:
        for value in values:
            rule = index.lookup(normalize(value), facts, on)
            if rule is not None:
                values = [value]
                break
    value = values[0] if values else ""
    if not value:
        message = "The document names no employee (no e-mail, no platform id)."
        run.fail(FailureCategory.MAPPING_MISSING, Dimension.EMPLOYEE, "", "", message)
        return None
    target = run.find(Dimension.EMPLOYEE, value, facts, on, "")
    return target.odoo_id if target else None


def _facts(document: CanonicalDocument, line: Line) -> dict:
    return {
        "document_type": str(document.type),
        "payment": str(line.payment),
        "currency": line.currency,
        "category": line.category,
    }


def _line(run: _Run, line: Line, employee_id: int | None) -> ResolvedLine:
    facts, on, lid = _facts(run.document, line), line.date, line.id
    values: dict = {"line_id": lid, "employee_id": employee_id}
    category = run.find(Dimension.CATEGORY, line.category, facts, on, lid)
    if not line.category:
        run.fail(FailureCategory.MAPPING_MISSING, Dimension.CATEGORY, "", lid, "The line has no expense category.")
    if category is not None:
        values.update(_category_values(run, category))
    if line.tax_code:
        tax = run.find(Dimension.TAX_CODE, line.tax_code, facts, on, lid)
        if tax is not None and _tax_ok(run, line, tax):
            values["tax_ids"] = (tax.odoo_id,)
    for dimension, value, key in (
        (Dimension.CURRENCY, line.currency, "currency_id"),
        (Dimension.VENDOR, line.merchant, "partner_id"),
        (Dimension.JOURNAL, str(line.payment), "journal_id"),
    ):
        target = run.find(dimension, value, facts, on, lid)
        values[key] = target.odoo_id if target else None
    distribution, department_id = _analytics(run, line, facts)
    values.update(analytic_distribution=distribution, department_id=department_id)
    return ResolvedLine(**values)


def _category_values(run: _Run, target: Target) -> dict:
    if target.model == "account.account":
        return {"account_id": target.odoo_id}
    record = run.master.get(target.model, target.odoo_id)
    account = _m2o((record.data if record else {}).get("expense_account_id"))
    return {"product_id": target.odoo_id, "account_id": account}


def _tax_ok(run: _Run, line: Line, tax: Target) -> bool:
    """A purchase tax of the entity's company whose rate agrees with the tax amount the platform reported."""
    record = run.master.get(tax.model, tax.odoo_id)
    data = record.data if record else {}
    name = record.name if record else str(tax.odoo_id)
    problem = ""
    if data.get("type_tax_use", "purchase") != "purchase":
        problem = f"Odoo tax {name} is a {data.get('type_tax_use')} tax; expenses need a purchase tax."
    elif record and record.company_id and run.master.company_id and record.company_id != run.master.company_id:
        problem = f"Odoo tax {name} belongs to another company (id {record.company_id})."
    elif line.tax_amount and data.get("amount_type", "percent") == "percent":
        # A reported amount of 0 means "not computed by the platform" (Expensify sends 0 without tax tracking):
        # Odoo computes the tax from the mapped tax itself, so only a non-zero amount can contradict it.
        rate = Decimal(str(data.get("amount", 0)))
        expected = (line.amount * rate / (Decimal(100) + rate)).quantize(Decimal("0.01"))
        if abs(expected - line.tax_amount) > TAX_TOLERANCE:
            problem = (
                f"The reported tax {line.tax_amount} on {line.amount} {line.currency} does not match Odoo tax "
                f"{name} ({format(rate.normalize(), 'f')}%), which gives {expected}."
            )
    if problem:
        run.fail(FailureCategory.INVALID_TAX, Dimension.TAX_CODE, line.tax_code, line.id, problem)
    return not problem


def _analytics(run: _Run, line: Line, facts: dict) -> tuple[dict[int, Decimal], int | None]:
    """Analytic distribution {analytic account id: percent}; allocations split the line across cost objects."""
    parts = line.allocations or (Allocation(Decimal(100), line.project, line.cost_centre, line.department),)
    distribution: dict[int, Decimal] = defaultdict(Decimal)
    department_id = None
    for part in parts:
        for dimension, value in (
            (Dimension.PROJECT, part.project),
            (Dimension.COST_CENTRE, part.cost_centre),
            (Dimension.DEPARTMENT, part.department),
        ):
            target = run.find(dimension, value, facts, line.date, line.id) if value else None
            if target is None:
                continue
            if target.model == "hr.department":
                department_id = department_id or target.odoo_id
                continue
            account = _analytic_account(run, dimension, value, line.id, target)
            if account is not None:
                distribution[account] += Decimal(part.percent)
    return dict(distribution), department_id


def _analytic_account(run: _Run, dimension, value, line_id, target: Target) -> int | None:
    if target.model == "account.analytic.account":
        return target.odoo_id
    record = run.master.get(target.model, target.odoo_id)
    account = _m2o((record.data if record else {}).get("analytic_account_id"))
    if account is None:
        message = f"Odoo project {target.name or target.odoo_id} has no analytic account to carry {value!r}."
        run.fail(FailureCategory.MASTER_DATA_MISSING, dimension, value, line_id, message)
    return account


def _m2o(value) -> int | None:
    """An Odoo many2one as read over RPC ([id, name], id or False) → id or None."""
    if isinstance(value, list | tuple):
        return int(value[0]) if value else None
    return int(value) if value else None
