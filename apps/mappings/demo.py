"""Demo mapping sets (idempotent): active US/FR/DE sets so the demo documents post without exceptions.

Targets come from the master-data cache, filled by a real refresh through the `odoo-sandbox` connector when
the sandbox answers, and otherwise by reading the sandbox's deterministic seed in-process (sandbox/odoo/seed.py:
same records, same ids, no server). The demo platform's values (sandbox/platforms/seed.py and its CSV) are
mapped: categories TAXI/MEALS/HOTEL/TRAIN/MILEAGE, tax codes FR-20/FR-10/DE-19/DE-7/US-EXEMPT, projects PRJ-*,
cost centres CC-* (CC-RD → CC-ENG, CC-ADMIN → CC-FIN) and the platform's employees onto seeded Odoo employees
of the same company. Every set is made by `controller` and approved by `admin` (maker-checker holds).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from apps.entities.models import LegalEntity
from apps.mappings.models import MappingSet, MasterRecord
from apps.mappings.services import (
    mapping_draft_configure,
    mapping_draft_open,
    mapping_draft_replace_rules,
    mapping_set_create,
    mapping_version_approve,
    mapping_version_submit,
    master_data_refresh,
)
from apps.mappings.validation import rules_validate

CATEGORIES = {
    "TAXI": "TAXI",
    "MEALS": "MEALS",
    "HOTEL": "HOTEL",
    "TRAIN": "TRAVEL",
    "TRAVEL": "TRAVEL",
    "MILEAGE": "MILEAGE",
    "PERDIEM": "PERDIEM",
    "OFFICE": "OFFICE",
}
TAXES = {
    "US": {"US-EXEMPT": "US-0", "US-0": "US-0"},
    "FR": {"FR-20": "FR-20", "FR-10": "FR-10", "FR-0": "FR-0"},
    "DE": {"DE-19": "DE-19", "DE-7": "DE-7", "DE-0": "DE-0"},
}
PROJECTS = {"PRJ-ALPHA": "PRJ-ALPHA", "PRJ-BETA": "PRJ-BETA", "PRJ-GAMMA": "PRJ-GAMMA"}
COST_CENTRES = {
    "CC-SALES": "CC-SALES",
    "CC-ENG": "CC-ENG",
    "CC-FIN": "CC-FIN",
    "CC-OPS": "CC-OPS",
    "CC-RD": "CC-ENG",
    "CC-ADMIN": "CC-FIN",
}
PLATFORM_EMPLOYEES = {
    "US": ["jordan.lee@example.com", "sam.taylor@example.com"],
    "FR": ["camille.martin@example.com", "louis.bernard@example.com"],
    "DE": ["lena.schmidt@example.com", "jonas.weber@example.com"],
}
REASON = "Demo mappings for the sandbox data"


def seed(stdout) -> None:
    users = get_user_model().objects
    maker, checker = users.filter(username="controller").first(), users.filter(username="admin").first()
    if maker is None or checker is None:
        stdout.write("mappings: demo users controller/admin missing; demo mapping sets not created.")
        return
    unreachable: set[str] = set()  # connectors that failed once are not retried for the next entity
    for entity in LegalEntity.objects.filter(code__in=["US", "FR", "DE"], odoo_company_id__isnull=False):
        _ensure_cache(entity, stdout, unreachable)
        for dimension, rules, auto_match in _plan(entity):
            _ensure_set(entity, dimension, rules, auto_match, maker, checker, stdout)


def _ensure_cache(entity, stdout, unreachable: set[str]) -> None:
    if MasterRecord.objects.filter(entity=entity).exists():
        return
    from apps.mappings.gateway import odoo_connector_for

    connector = odoo_connector_for(entity)
    if connector is not None and connector.slug not in unreachable:
        try:
            master_data_refresh(connector=connector, entity=entity, actor="demo")
            stdout.write(f"mappings: {entity.code} master data read from {connector.slug}.")
            return
        except Exception as error:  # noqa: BLE001 — the sandbox may simply not be running yet
            unreachable.add(connector.slug)
            # `make run` seeds before it starts the sandbox: say so, or a newcomer reads this as a failure.
            stdout.write(f"mappings: {connector.slug} not reachable yet ({type(error).__name__}; `make run` "
                         "starts it next); master data taken from the sandbox's own seed.")  # fmt: skip
    master_data_refresh(connector=_SeedConnector(), entity=entity, actor="demo", gateway=SeedGateway())
    stdout.write(f"mappings: {entity.code} master data filled from the sandbox seed.")


class _SeedConnector:
    slug = "odoo-sandbox-seed"


class SeedGateway:
    """The Odoo sandbox's seed answered in-process (no server): what a refresh against the sandbox reads."""

    def __init__(self, version: int = 17):
        from apps.connectors.odoo.profiles import profile_for
        from sandbox.odoo.app import Config, Sandbox

        self.sandbox = Sandbox(Config(version=version))
        self.profile = profile_for(version)

    def search_read(self, model, domain, fields, *, limit=None, offset=0, order=None, context=None):
        kwargs = {"fields": list(fields), "offset": offset or 0, "limit": limit, "order": order, "context": context}
        return self.sandbox.execute_as(self.sandbox.admin_uid, model, "search_read", [list(domain)], kwargs)

    def search_read_all(self, model, domain, fields, *, page_size=500, context=None, order="id"):
        offset = 0
        while True:
            page = self.search_read(model, domain, fields, limit=page_size, offset=offset, order=order, context=context)
            if page:
                yield page
            if len(page) < page_size:
                return
            offset += page_size


def _ids(entity, kind: str, codes: dict[str, str]) -> dict[str, int]:
    """Source value → odoo id of the active cached record whose code (or name) is the target code."""
    found = {}
    records = MasterRecord.objects.filter(entity=entity, kind=kind, active=True)
    by_key = {**{r.name: r.odoo_id for r in records}, **{r.code: r.odoo_id for r in records if r.code}}
    for source, target in codes.items():
        if target in by_key:
            found[source] = by_key[target]
    return found


def _rules(ids: dict[str, int], model: str) -> list[dict]:
    return [
        {
            "match": "exact",
            "source_value": source,
            "target_model": model,
            "target_id": odoo_id,
            "target_name": "",
            "conditions": {},
            "effective_from": None,
            "effective_to": None,
            "note": "",
        }
        for source, odoo_id in sorted(ids.items())
    ]


def _employees(entity) -> dict[str, int]:
    """The platform's demo employees onto the entity's first seeded Odoo employees (explicit overrides)."""
    staff = list(
        MasterRecord.objects.filter(entity=entity, kind="employees", active=True, company_id=entity.odoo_company_id)
        .order_by("odoo_id")
        .values_list("odoo_id", flat=True)[:2]
    )
    return dict(zip(PLATFORM_EMPLOYEES.get(entity.code, []), staff, strict=False))


def _plan(entity) -> list[tuple[str, list[dict], bool]]:
    return [
        ("employee", _rules(_employees(entity), "hr.employee"), True),
        ("currency", [], True),
        ("category", _rules(_ids(entity, "expense_categories", CATEGORIES), "product.product"), True),
        ("tax_code", _rules(_ids(entity, "taxes", TAXES.get(entity.code, {})), "account.tax"), False),
        ("project", _rules(_ids(entity, "analytic_accounts", PROJECTS), "account.analytic.account"), False),
        ("cost_centre", _rules(_ids(entity, "analytic_accounts", COST_CENTRES), "account.analytic.account"), False),
    ]


def _ensure_set(entity, dimension, rules, auto_match, maker, checker, stdout) -> None:
    mapping_set = MappingSet.objects.filter(entity=entity, dimension=dimension).first()
    if mapping_set is not None and mapping_set.versions.filter(status="active").exists():
        return
    if rules_validate(entity, dimension, rules):
        stdout.write(f"mappings: {entity.code} {dimension} demo rules do not fit the cache; set skipped.")
        return
    if mapping_set is None:
        mapping_set = mapping_set_create(
            entity=entity,
            dimension=dimension,
            owner=maker,
            actor=maker,
            name=f"{entity.code} {dimension.replace('_', ' ')}s (demo)",
        )
    draft = mapping_draft_open(mapping_set=mapping_set, actor=maker)
    mapping_draft_replace_rules(version=draft, actor=maker, rules=rules, source="demo")
    mapping_draft_configure(version=draft, actor=maker, auto_match=auto_match)
    mapping_version_submit(version=draft, actor=maker, reason=REASON)
    mapping_version_approve(version=draft, actor=checker, note="Demo: checked against the sandbox seed.")
    stdout.write(f"mappings: {entity.code} {dimension} v{draft.number} active ({len(rules)} rules).")
