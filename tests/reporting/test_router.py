"""The star schema lives in the `reporting` database alias; everything else in `default`."""

import os

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


def test_settings_give_the_store_its_own_database_and_the_router(tmp_path):
    from integration_console import config

    assert settings.DATABASE_ROUTERS == ["apps.reporting.router.ReportingRouter"]
    store = config.database("", tmp_path / "reporting.sqlite3", variable="REPORTING_DATABASE_URL",
                            test_prefix="test-reporting")  # fmt: skip
    assert store["NAME"] == tmp_path / "reporting.sqlite3"
    assert store["TEST"]["NAME"].endswith(f"/test-reporting-{os.getpid()}.sqlite3")
    with pytest.raises(SystemExit, match="REPORTING_DATABASE_URL"):
        config.database("mysql://x@y/z", tmp_path / "r.sqlite3", variable="REPORTING_DATABASE_URL")


@pytest.mark.django_db(databases=DATABASES)
def test_migrate_of_the_store_creates_no_schedule_and_flush_leaves_the_ledger_triggers_alone(monkeypatch):
    """The two post-migrate/flush guards: the task queue's and the ledger's tables are not in the store."""
    from apps.ledger.management.commands import flush
    from apps.sync.apps import _schedules_after_migrate

    called = []
    monkeypatch.setattr("apps.sync.services.schedules.schedules_sync", lambda **kw: called.append(kw))
    _schedules_after_migrate(None, using="reporting")
    _schedules_after_migrate(None, using="default")
    assert called == [{"using": "default"}]

    touched = []
    monkeypatch.setattr(flush.triggers, "uninstall", lambda connection: touched.append(connection.alias))
    monkeypatch.setattr(flush.triggers, "install", lambda connection: touched.append(connection.alias))
    monkeypatch.setattr(flush.DjangoFlush, "handle", lambda self, **options: None)
    flush.Command().handle(database="reporting")
    assert touched == []
    flush.Command().handle(database="default")
    assert touched == ["default", "default"]
