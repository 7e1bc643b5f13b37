"""Master data read from Odoo, normalized to one shape whatever the version.

`fetch(gw, kind, company_id=None)` yields plain dicts (many2one → id, False → None), paging through the
server's `search_read`. Archived records are included (with `active`) so a sync can see deactivations.
Kinds and their keys:
- companies: id, name, currency, currency_id, fiscalyear_lock_date, period_lock_date, tax_lock_date, hard_lock_date
- employees: id, name, work_email, department_id, company_id, active
- departments: id, name, parent_id, manager_id, company_id, active
- projects: id, name, analytic_account_id, company_id, active
- analytic_accounts: id, name, code, plan_id, company_id, active
- analytic_plans: id, name, parent_id (none on 11)
- taxes: id, name, amount, amount_type, type_tax_use, company_id, active
- accounts: id, code, name, account_type (16+ codes on every version), company_ids, active
- journals: id, code, name, type, company_id, currency_id, active
- expense_categories: id, default_code, name, expense_account_id, company_id, active
- currencies: id, name, symbol, rate, active
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from apps.connectors.odoo.faults import OdooValidationError
from apps.connectors.odoo.profiles import VersionProfile

ALL = {"active_test": False}


def _id(value):
    if isinstance(value, list | tuple):
        return value[0] if value else None
    return value or None


def _val(value):
    return None if value is False else value


@dataclass(frozen=True)
class Kind:
    model: str
    fields: Callable[[VersionProfile], list[str]]
    company_domain: Callable[[VersionProfile, int], list]
    normalize: Callable[[dict, VersionProfile, dict], dict]
    archived: bool = True  # include archived rows (active_test False)
    needs: Callable[[VersionProfile], bool] = lambda p: True


def _company_field(field: str = "company_id"):
    return lambda p, cid: [[field, "=", cid]]


def _shared_or(field: str = "company_id"):
    return lambda p, cid: ["|", [field, "=", False], [field, "=", cid]]


def _plain(keys: list[str], m2o: tuple[str, ...] = ()):
    def normalize(row, profile, extra):
        out = {"id": row["id"]}
        for key in keys:
            out[key] = _id(row.get(key)) if key in m2o else _val(row.get(key))
        return out

    return normalize


def _company(row, profile, extra):
    out = {
        "id": row["id"],
        "name": row["name"],
        "currency_id": _id(row.get("currency_id")),
        "currency": row["currency_id"][1] if row.get("currency_id") else None,
    }
    for key in ("fiscalyear_lock_date", "period_lock_date", "tax_lock_date", "hard_lock_date"):
        out[key] = _val(row.get(key)) if key in profile.lock_date_fields else None
    return out


def _project(row, profile, extra):
    return {
        "id": row["id"],
        "name": row["name"],
        "analytic_account_id": _id(row.get(profile.project_analytic_field)),
        "company_id": _id(row.get("company_id")),
        "active": row.get("active", True),
    }


def _account(row, profile, extra):
    if profile.account_company_field == "company_ids":
        company_ids = list(row.get("company_ids") or [])
    else:
        company_ids = [c for c in [_id(row.get("company_id"))] if c]
    if profile.account_active_field == "active":
        active = bool(row.get("active", True))
    else:
        active = not row.get("deprecated", False)
    return {
        "id": row["id"],
        "code": _val(row.get("code")),
        "name": row["name"],
        "account_type": profile.normalize_account_type(row, extra.get("type_xmlids")),
        "company_ids": company_ids,
        "active": active,
    }


def _account_fields(profile):
    type_fields = ["user_type_id", "internal_type"] if profile.major < 16 else ["account_type"]
    return ["code", "name", *type_fields, profile.account_company_field, profile.account_active_field]


def _expense_category(row, profile, extra):
    account = _id(row.get("property_account_expense_id"))
    if not account:
        account = extra.get("category_accounts", {}).get(_id(row.get("categ_id")))
    return {
        "id": row["id"],
        "default_code": _val(row.get("default_code")),
        "name": row["name"],
        "expense_account_id": account,
        "company_id": _id(row.get("company_id")),
        "active": row.get("active", True),
    }


KINDS = {
    "companies": Kind(
        "res.company",
        lambda p: ["name", "currency_id", *p.lock_date_fields],
        lambda p, cid: [["id", "=", cid]],
        _company,
        archived=False,
    ),
    "employees": Kind(
        "hr.employee",
        lambda p: ["name", "work_email", "department_id", "company_id", "active"],
        _company_field(),
        _plain(["name", "work_email", "department_id", "company_id", "active"], ("department_id", "company_id")),
    ),
    "departments": Kind(
        "hr.department",
        lambda p: ["name", "parent_id", "manager_id", "company_id", "active"],
        _shared_or(),
        _plain(["name", "parent_id", "manager_id", "company_id", "active"], ("parent_id", "manager_id", "company_id")),
    ),
    "projects": Kind(
        "project.project",
        lambda p: ["name", p.project_analytic_field, "company_id", "active"],
        _shared_or(),
        _project,
    ),
    "analytic_accounts": Kind(
        "account.analytic.account",
        lambda p: ["name", "code", "company_id", "active", *(["plan_id"] if p.analytic_plans else [])],
        _shared_or(),
        _plain(["name", "code", "plan_id", "company_id", "active"], ("plan_id", "company_id")),
    ),
    "analytic_plans": Kind(
        "account.analytic.plan",
        lambda p: ["name", "parent_id"],
        lambda p, cid: [],
        _plain(["name", "parent_id"], ("parent_id",)),
        archived=False,
        needs=lambda p: p.analytic_plans,
    ),
    "taxes": Kind(
        "account.tax",
        lambda p: ["name", "amount", "amount_type", "type_tax_use", "company_id", "active"],
        _company_field(),
        _plain(["name", "amount", "amount_type", "type_tax_use", "company_id", "active"], ("company_id",)),
    ),
    "accounts": Kind(
        "account.account",
        _account_fields,
        lambda p, cid: [[p.account_company_field, "in", [cid]]],
        _account,
    ),
    "journals": Kind(
        "account.journal",
        lambda p: ["code", "name", "type", "company_id", "currency_id", "active"],
        _company_field(),
        _plain(["code", "name", "type", "company_id", "currency_id", "active"], ("company_id", "currency_id")),
    ),
    "expense_categories": Kind(
        "product.product",
        lambda p: ["default_code", "name", "property_account_expense_id", "categ_id", "company_id", "active"],
        _shared_or(),
        _expense_category,
    ),
    "currencies": Kind(
        "res.currency",
        lambda p: ["name", "symbol", "rate", "active"],
        lambda p, cid: [],
        _plain(["name", "symbol", "rate", "active"]),
        archived=False,
    ),
}


def company_context(profile: VersionProfile, company_id: int | None, base: dict | None = None) -> dict:
    """Context that makes `company_id` the current company (company-dependent fields: codes, properties)."""
    context = dict(base or {})
    if company_id:
        context["allowed_company_ids" if profile.major >= 13 else "force_company"] = (
            [company_id] if profile.major >= 13 else company_id
        )
    return context


def fetch(gw, kind: str, company_id: int | None = None, *, page_size: int = 500) -> Iterator[dict]:
    """Normalized rows of one kind of master data, optionally restricted to one company."""
    if kind not in KINDS:
        raise ValueError(f"unknown master data kind {kind!r}; one of {', '.join(sorted(KINDS))}")
    spec, profile = KINDS[kind], gw.profile
    if not spec.needs(profile):
        return
    domain = spec.company_domain(profile, company_id) if company_id else []
    if kind == "expense_categories":
        domain = [["can_be_expensed", "=", True], *domain]
    context = company_context(profile, company_id, ALL if spec.archived else None)
    extra = _extra(gw, kind, profile, company_id)
    for page in gw.search_read_all(spec.model, domain, spec.fields(profile), page_size=page_size, context=context):
        for row in page:
            yield spec.normalize(row, profile, extra)


def _extra(gw, kind: str, profile: VersionProfile, company_id: int | None) -> dict:
    """Lookups some kinds need: Odoo 11 account-type external ids, product-category expense accounts."""
    if kind == "accounts" and profile.major < 16:
        rows = gw.search_read(
            "ir.model.data", [["model", "=", "account.account.type"], ["module", "=", "account"]], ["name", "res_id"]
        )
        return {"type_xmlids": {r["res_id"]: r["name"] for r in rows}}
    if kind == "expense_categories":
        try:
            rows = gw.search_read(
                "product.category",
                [],
                ["property_account_expense_categ_id"],
                context=company_context(profile, company_id),
            )
        except OdooValidationError as error:  # a server without product categories: products carry the account
            if error.kind != "unknown_model":
                raise
            rows = []
        return {"category_accounts": {r["id"]: _id(r.get("property_account_expense_categ_id")) for r in rows}}
    return {}
