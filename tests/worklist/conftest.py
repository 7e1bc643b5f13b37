"""Worklist fixtures: documents and items in entities FR and DE, and a clean redrive registry per test."""

from decimal import Decimal

import pytest


@pytest.fixture(autouse=True)
def _no_engine_registered():
    """Every worklist test starts with no flow engine and no owner resolver registered (the registries are
    module globals filled by apps.sync / apps.mappings at start-up); what was registered is put back after."""
    from apps.worklist import redrive, routing

    saved_engines, saved_resolvers = dict(redrive._registry), list(routing._resolvers)
    redrive.unregister_all()
    routing._resolvers.clear()
    yield
    redrive._registry.clear()
    redrive._registry.update(saved_engines)
    routing._resolvers[:] = saved_resolvers


@pytest.fixture(autouse=True)
def _uncached_counts(settings):
    """Counts are cached per scope in production; tests read the database (ids repeat across tests)."""
    settings.WORKLIST_COUNTS_TTL = 0


@pytest.fixture
def make_document(entities):
    from apps.documents.models import Document

    counter = iter(range(1, 100_000))

    def make(entity="FR", total="120.50", **kwargs):
        n = next(counter)
        return Document.objects.create(
            source_connector="expensify-main",
            source_system="expensify",
            object_type="expense_report",
            source_id=f"R{n}",
            idempotency_key=f"expensify-main:expense_report:R{n}:1",
            entity=entities[entity],
            employee_email=kwargs.pop("employee_email", "jane@example.com"),
            currency="EUR",
            total=Decimal(total),
            canonical={},
            **kwargs,
        )

    return make


@pytest.fixture
def make_item(entities, make_document):
    from apps.worklist.services import worklist_item_open

    def make(entity="FR", category="mapping_missing", **kwargs):
        document = kwargs.pop("document", None) or make_document(entity=entity)
        return worklist_item_open(
            category=category,
            subject_key=kwargs.pop("subject_key", document.idempotency_key),
            message=kwargs.pop("message", "Employee jane@example.com has no Odoo employee mapping in FR."),
            detail=kwargs.pop("detail", "mapping employee:jane@example.com not found"),
            entity=entities[entity] if entity else None,
            document=document,
            flow=kwargs.pop("flow", "expensify-to-odoo"),
            stage=kwargs.pop("stage", "map"),
            **kwargs,
        )

    return make
