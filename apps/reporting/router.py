"""Database router: the star schema (apps.reporting.models.store) lives in the `reporting` alias.

The reporting store is a separate database that BI tools (Metabase, Superset, Power BI) read: an SQLite file by
default, PostgreSQL with REPORTING_DATABASE_URL. Everything else of the console — the reporting app's own
operational tables included (runs, rollups, reconciliations) — stays in `default`.

Without a `reporting` alias in settings.DATABASES the store falls back to `default` (one database, as in a
minimal install); code never names the alias itself but asks `store_alias()`.
"""

from __future__ import annotations

from django.conf import settings

ALIAS = "reporting"
APP_LABEL = "reporting"
# Lower-case model names of the star schema (kept here so the router needs no model import at start-up).
STORE_MODELS = frozenset(
    {
        "dimdate",
        "dimentity",
        "dimdepartment",
        "dimemployee",
        "dimproject",
        "dimaccount",
        "factexpenseline",
        "publicationbatch",
        "publicationwatermark",
    }
)


def store_alias() -> str:
    """The alias the star schema is read from and written to."""
    return ALIAS if ALIAS in settings.DATABASES else "default"


def is_store_model(app_label: str, model_name: str | None) -> bool:
    return app_label == APP_LABEL and (model_name or "").lower() in STORE_MODELS


class ReportingRouter:
    """Star-schema models → `reporting`; every other model → `default`; no relation crosses the two."""

    def _alias(self, model) -> str | None:
        if is_store_model(model._meta.app_label, model._meta.model_name):
            return store_alias()
        return None

    def db_for_read(self, model, **hints):
        return self._alias(model)

    def db_for_write(self, model, **hints):
        return self._alias(model)

    def allow_relation(self, obj1, obj2, **hints):
        one = is_store_model(obj1._meta.app_label, obj1._meta.model_name)
        two = is_store_model(obj2._meta.app_label, obj2._meta.model_name)
        return one == two

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if store_alias() == "default":
            return None  # one database: no opinion
        if db == ALIAS:
            return is_store_model(app_label, model_name)
        return not is_store_model(app_label, model_name)
