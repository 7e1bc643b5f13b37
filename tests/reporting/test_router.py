"""The star schema lives in the `reporting` database alias; everything else in `default`."""

import pytest
from django.conf import settings
from django.db import connections

from apps.reporting import router as router_module
from apps.reporting.models import FactExpenseLine, ReportingRun
from apps.reporting.router import ReportingRouter, store_alias
from tests.reporting.conftest import DATABASES


@pytest.fixture
def with_alias(monkeypatch):
    """As when settings.DATABASES holds a `reporting` alias (without touching the connections)."""
    monkeypatch.setattr(router_module, "store_alias", lambda: "reporting")


def test_star_models_are_routed_to_the_reporting_alias(with_alias):
    router = ReportingRouter()
    assert router.db_for_write(FactExpenseLine) == router.db_for_read(FactExpenseLine) == "reporting"
    assert router.db_for_write(ReportingRun) is None  # operational tables stay in default


def test_migrations_create_each_table_in_one_database_only(with_alias):
    router = ReportingRouter()
    assert router.allow_migrate("reporting", "reporting", model_name="factexpenseline") is True
    assert router.allow_migrate("default", "reporting", model_name="factexpenseline") is False
    assert router.allow_migrate("reporting", "reporting", model_name="reportingrun") is False
    assert router.allow_migrate("reporting", "ledger", model_name="ledgerentry") is False
    assert router.allow_migrate("reporting", "reporting") is False  # data migrations (schedules) run in default
    assert router.allow_migrate("default", "ledger", model_name="ledgerentry") is True


def test_no_relation_crosses_the_two_databases(with_alias):
    router = ReportingRouter()
    assert router.allow_relation(FactExpenseLine(), ReportingRun()) is False
    assert router.allow_relation(FactExpenseLine(), FactExpenseLine()) is True


def test_without_the_alias_everything_stays_in_default(monkeypatch):
    monkeypatch.setattr(router_module.settings, "DATABASES", {"default": {}})
    assert store_alias() == "default"
    assert ReportingRouter().allow_migrate("default", "reporting", model_name="factexpenseline") is None


@pytest.mark.skipif("reporting" not in settings.DATABASES, reason="no reporting alias configured")
@pytest.mark.django_db(databases=DATABASES)
def test_the_fact_table_exists_only_in_the_reporting_database():
    assert "fact_expense_line" in connections["reporting"].introspection.table_names()
    assert "fact_expense_line" not in connections["default"].introspection.table_names()
    assert "ledger_ledgerentry" not in connections["reporting"].introspection.table_names()
