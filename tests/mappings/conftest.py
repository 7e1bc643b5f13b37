"""Fixtures of the mappings suite: a master-data cache for FR and DE, a second FR controller, sets."""

import json

import pytest
from django.utils import timezone

from tests.conftest import PASSWORD


def cache(entity, kind, odoo_id, name, code="", *, active=True, company=None, **data):
    from apps.mappings.models import MasterRecord
    from apps.mappings.services.master import record_fields

    row = {"id": odoo_id, "name": name, "active": active, "company_id": company, **data}
    fields = record_fields(kind, row, entity.odoo_company_id)
    fields["code"] = code or fields["code"]
    return MasterRecord.objects.create(entity=entity, kind=kind, odoo_id=odoo_id, changed_at=timezone.now(), **fields)


@pytest.fixture
def fr_cache(entities):
    """FR (Odoo company 2) master data: taxes, categories, employees, cost centres, currencies."""
    fr, de = entities["FR"], entities["DE"]
    purchase = {"amount_type": "percent", "type_tax_use": "purchase"}
    cache(fr, "taxes", 41, "FR-20", company=2, amount=20, **purchase)
    cache(fr, "taxes", 42, "FR-10", company=2, amount=10, **purchase)
    cache(fr, "taxes", 44, "FR-5.5 old", company=2, amount=5.5, active=False, **purchase)
    cache(de, "taxes", 61, "DE-19", company=3, amount=19, **purchase)
    cache(fr, "expense_categories", 31, "Taxi", "TAXI", expense_account_id=601)
    cache(fr, "expense_categories", 32, "Meals", "MEALS", expense_account_id=602)
    cache(fr, "expense_categories", 33, "Hotel", "HOTEL", expense_account_id=603)
    cache(fr, "employees", 7, "Jane Doe", "jane.doe@example.com", company=2)
    cache(fr, "analytic_accounts", 81, "Sales", "CC-SALES", company=2)
    cache(fr, "analytic_accounts", 82, "Engineering", "CC-ENG", company=2)
    cache(fr, "currencies", 1, "EUR")
    return fr


@pytest.fixture
def approver(entities):
    """A second finance controller of FR: the checker for what `controller` makes."""
    from apps.access.services import user_ensure

    return user_ensure(
        reason="test fixture",
        username="approver",
        password=PASSWORD,
        role="finance_controller",
        entities=[entities["FR"]],
    )


@pytest.fixture
def tax_set(fr_cache, controller):
    from apps.mappings.services import mapping_set_create

    return mapping_set_create(
        entity=fr_cache, dimension="tax_code", name="FR tax codes", owner=controller, actor=controller
    )


def add_rules(version, actor, *rules):
    from apps.mappings.services import mapping_rule_add

    return [mapping_rule_add(version=version, actor=actor, **rule) for rule in rules]


def tax_rule(source, target, **extra):
    return {"source_value": source, "target_model": "account.tax", "target_id": target, **extra}


def approved(mapping_set, maker, checker, *rules, effective_from=None, auto_match=None):
    """Open a draft, add rules, submit and approve it: the active version."""
    from apps.mappings.services import (
        mapping_draft_configure,
        mapping_draft_open,
        mapping_version_approve,
        mapping_version_submit,
    )

    draft = mapping_draft_open(mapping_set=mapping_set, actor=maker)
    add_rules(draft, maker, *rules)
    if effective_from is not None or auto_match is not None:
        mapping_draft_configure(version=draft, actor=maker, effective_from=effective_from, auto_match=auto_match)
    mapping_version_submit(version=draft, actor=maker, reason="test change")
    return mapping_version_approve(version=draft, actor=checker)


def audit_entries(kind_prefix: str):
    from apps.ledger.models import LedgerEntry, LedgerPayload

    entries = list(LedgerEntry.objects.filter(kind__startswith=kind_prefix).order_by("sequence"))
    bodies = {p.entry_id: json.loads(p.body) for p in LedgerPayload.objects.filter(entry__in=entries)}
    return [(entry, bodies.get(entry.sequence, {})) for entry in entries]


@pytest.fixture(scope="session")
def odoo_sandbox(tmp_path_factory):
    """One Odoo 17 sandbox subprocess for the suite (tests reset it when they change its data)."""
    from sandbox.odoo.testing import run_sandbox

    with run_sandbox(version=17, data_dir=tmp_path_factory.mktemp("odoo17-mappings")) as handle:
        yield handle


@pytest.fixture
def sandbox_connector(odoo_sandbox, it_admin, entities):
    """The sandbox registered as the Odoo connector of all three entities (real sockets, XML-RPC)."""
    from tests.connectors.factories import odoo_connector

    odoo_sandbox.reset()
    return odoo_connector(
        owner=it_admin,
        url=odoo_sandbox.url,
        database=odoo_sandbox.database,
        secret=odoo_sandbox.password,
        entities=list(entities.values()),
    )
