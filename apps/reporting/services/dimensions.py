"""The dimensions of the star schema and the master-data answers the fact rows need, per legal entity.

    context = DimensionContext(entity, alias)      # one per entity and publication run
    context.employee(email, name) -> (employee id, department id) | None
    context.project(code) / context.account(category) / context.department(name) -> dimension id | None
    context.tax_rate(tax code) -> Decimal | None
    ensure_dates(alias, dates)

Dimension rows are created on first use and refreshed when Odoo's name for them changed; everything comes
from the master-data cache (apps.mappings), read once per context.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from apps.mappings.models import MasterRecord
from apps.reporting.models import DimAccount, DimDate, DimDepartment, DimEmployee, DimEntity, DimProject


def dim_entity(entity, alias: str) -> DimEntity:
    values = {"name": entity.name, "currency": entity.currency, "country": entity.country}
    row, created = DimEntity.objects.using(alias).get_or_create(code=entity.code, defaults=values)
    if not created and any(getattr(row, k) != v for k, v in values.items()):
        DimEntity.objects.using(alias).filter(pk=row.pk).update(**values)
        row.__dict__.update(values)
    return row


def ensure_dates(alias: str, dates: set[dt.date]) -> None:
    """Create the dim_date rows of `dates` that are missing (ignore conflicts: concurrent runs are fine)."""
    known = set(DimDate.objects.using(alias).filter(date__in=dates).values_list("date", flat=True))
    rows = []
    for day in sorted(dates - known):
        iso = day.isocalendar()
        rows.append(DimDate(date_key=day.year * 10000 + day.month * 100 + day.day, date=day, year=day.year,
                            quarter=(day.month - 1) // 3 + 1, month=day.month, day=day.day, iso_year=iso[0],
                            iso_week=iso[1], weekday=iso[2]))  # fmt: skip
    DimDate.objects.using(alias).bulk_create(rows, ignore_conflicts=True)


class DimensionContext:
    def __init__(self, entity, alias: str):
        self.alias = alias
        self.entity = dim_entity(entity, alias)
        self._master = self._load_master(entity)
        self._ids: dict[tuple, object] = {}
        self._rows: dict[tuple, tuple[int, dict]] = {}
        self._preload()

    def _preload(self) -> None:
        """The entity's existing dimension rows, in four queries: later look-ups are dictionary hits."""
        specs = [
            (DimDepartment, "name", ("odoo_id",)),
            (DimEmployee, "email", ("name", "odoo_id", "department_id", "active")),
            (DimProject, "code", ("name", "odoo_id")),
            (DimAccount, "code", ("name", "odoo_id")),
        ]
        for model, key, fields in specs:
            for row in model.objects.using(self.alias).filter(entity_id=self.entity.id).values("id", key, *fields):
                self._rows[(model.__name__, row[key])] = (row["id"], {f: row[f] for f in fields})

    @staticmethod
    def _load_master(entity) -> dict[str, dict]:
        master: dict[str, dict] = {"employees": {}, "departments": {}, "analytic_accounts": {}, "projects": {},
                                   "taxes": {}, "expense_categories": {}, "accounts": {}}  # fmt: skip
        rows = MasterRecord.objects.filter(entity=entity, kind__in=list(master)).values_list(
            "kind", "odoo_id", "code", "name", "data"
        )
        for kind, odoo_id, code, name, data in rows:
            key = odoo_id if kind in ("departments", "accounts") else (code or name)
            if kind == "taxes":
                key = name
            master[kind][key] = (odoo_id, code, name, data or {})
        return master

    # --- master-data answers ------------------------------------------------------------------------------
    def tax_rate(self, tax_code: str) -> Decimal | None:
        if ("tax", tax_code) not in self._ids:
            self._ids[("tax", tax_code)] = self._tax_rate(tax_code)
        return self._ids[("tax", tax_code)]

    def _tax_rate(self, tax_code: str) -> Decimal | None:
        found = self._master["taxes"].get(tax_code)
        if found is None or found[3].get("amount_type", "percent") != "percent":
            return None
        return Decimal(str(found[3].get("amount") or 0)) or None

    # --- dimensions -----------------------------------------------------------------------------------------
    def _get(self, model, key: tuple, lookup: dict, values: dict) -> int:
        """The id of the dimension row `lookup` (created when missing, updated when `values` changed)."""
        cache_key = (model.__name__, *key)
        known = self._rows.get(cache_key)
        if known is not None and all(known[1].get(k) == v for k, v in values.items()):
            return known[0]
        manager = model.objects.using(self.alias)
        if known is None:
            row, created = manager.get_or_create(entity_id=self.entity.id, **lookup, defaults=values)
            pk, stored = row.pk, {k: getattr(row, k) for k in values}
        else:
            pk, stored, created = known[0], known[1], False
        if not created and any(stored.get(k) != v for k, v in values.items()):
            manager.filter(pk=pk).update(**values)
        self._rows[cache_key] = (pk, {**stored, **values})
        return pk

    def department(self, name: str, odoo_id: int | None = None) -> int | None:
        if not name:
            return None
        if odoo_id is None and ("department", name) in self._ids:
            return self._ids[("department", name)]
        self._ids[("department", name)] = self._department(name, odoo_id)
        return self._ids[("department", name)]

    def _department(self, name: str, odoo_id: int | None) -> int:
        return self._get(DimDepartment, (name,), {"name": name[:200]}, {"odoo_id": odoo_id} if odoo_id else {})

    def ensure_employees(self, people: dict[str, str]) -> None:
        """Create the missing employee rows of {e-mail: name} in one INSERT (a first publication meets many)."""
        missing = {}
        for email, name in people.items():
            email = (email or "").strip().lower()
            if email and ("DimEmployee", email) not in self._rows and email not in missing:
                missing[email] = self._employee_values(email, name)
        if not missing:
            return
        manager = DimEmployee.objects.using(self.alias)
        manager.bulk_create([DimEmployee(entity_id=self.entity.id, email=email[:254], **values)
                             for email, values in missing.items()], ignore_conflicts=True)  # fmt: skip
        for row in manager.filter(entity_id=self.entity.id, email__in=list(missing)).values(
            "id", "email", "name", "odoo_id", "department_id", "active"
        ):
            self._rows[("DimEmployee", row["email"])] = (row["id"], {k: row[k] for k in missing[row["email"]]})

    def _employee_values(self, email: str, name: str) -> dict:
        odoo_id, _code, odoo_name, data = self._master["employees"].get(email, (None, "", "", {}))
        department = self._master["departments"].get(data.get("department_id"))
        department_id = self.department(department[2], department[0]) if department else None
        return {"name": (odoo_name or name or "")[:200], "odoo_id": odoo_id, "department_id": department_id,
                "active": bool(data.get("active", True))}  # fmt: skip

    def employee(self, email: str, name: str) -> tuple[int, int | None] | None:
        email = (email or "").strip().lower()
        if not email:
            return None
        cache_key = ("employee", email)
        if cache_key not in self._ids:
            values = self._employee_values(email, name)
            self._ids[cache_key] = (self._get(DimEmployee, (email,), {"email": email[:254]}, values),
                                    values["department_id"])  # fmt: skip
        return self._ids[cache_key]

    def project(self, code: str) -> int | None:
        if not code:
            return None
        if ("project", code) not in self._ids:
            self._ids[("project", code)] = self._project(code)
        return self._ids[("project", code)]

    def _project(self, code: str) -> int:
        account = self._master["analytic_accounts"].get(code)
        project = self._master["projects"].get(code)
        name = (project or account or (None, "", code, {}))[2]
        odoo_id = account[0] if account else (project[3].get("analytic_account_id") if project else None)
        return self._get(DimProject, (code,), {"code": code[:200]}, {"name": name[:300], "odoo_id": odoo_id})

    def account(self, category: str) -> int | None:
        if ("account", category) not in self._ids:
            self._ids[("account", category)] = self._account(category)
        return self._ids[("account", category)]

    def _account(self, category: str) -> int | None:
        found = self._master["expense_categories"].get(category)
        account = self._master["accounts"].get(found[3].get("expense_account_id")) if found else None
        if account is None:
            return None
        odoo_id, code, name, _data = account
        return self._get(DimAccount, (code,), {"code": (code or str(odoo_id))[:64]},
                         {"name": name[:300], "odoo_id": odoo_id})  # fmt: skip
