"""Reads of reconciliations: runs of the user's entities (auditors: all), their differences."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from apps.reporting.models import ReconciliationDifference, ReconciliationRun
from apps.reporting.selectors.scope import finance_entities

VIEW = "reporting.view_reconciliationrun"
EXPORT = "reporting.export_reconciliationrun"


def reconciliation_entities(user):
    return finance_entities(user, VIEW)


def reconciliation_list(*, user, entity: str = "") -> QuerySet:
    runs = ReconciliationRun.objects.filter(entity__in=reconciliation_entities(user)).select_related("entity")
    entity = entity.replace("\x00", "")  # NUL can't be in a PostgreSQL text literal (a 500); no code holds one
    return runs.filter(entity__code=entity) if entity else runs


def reconciliation_get(*, user, pk: int) -> ReconciliationRun:
    """One visible run (404 otherwise, so existence does not leak)."""
    return get_object_or_404(reconciliation_list(user=user), pk=pk)


def reconciliation_differences(run: ReconciliationRun, *, kind: str = "", q: str = "") -> QuerySet:
    differences = ReconciliationDifference.objects.filter(run=run)
    kind, q = kind.replace("\x00", ""), q.replace("\x00", "")  # NUL: a PostgreSQL 500 (see reconciliation_list)
    if kind:
        differences = differences.filter(kind=kind)
    if q:
        differences = differences.filter(document_key__icontains=q) | differences.filter(source_id__icontains=q)
    return differences.order_by("kind", "document_key")


def can_export(user) -> bool:
    return user.has_perm(EXPORT)
