"""Reads on documents, always filtered by the user's capability and entity scope."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from apps.access.permissions import can, entity_scope
from apps.documents.models import Document

FILTERS = ("state", "entity", "source_connector", "object_type")


def document_list(*, user, filters: dict | None = None) -> QuerySet:
    """Documents the user may see (`documents.view_document` + entity scope), newest first, optionally filtered
    by state, entity code, connector slug or object type, and `q` (source id or employee e-mail prefix)."""
    if not can(user, "documents.view_document"):
        return Document.objects.none()
    queryset = entity_scope(Document.objects.select_related("entity"), user)
    # NUL can't be in a PostgreSQL text literal (a 500); no document field holds one, so dropping it is harmless.
    filters = {name: str(value).replace("\x00", "") for name, value in (filters or {}).items()}
    for name in FILTERS:
        if filters.get(name):
            queryset = queryset.filter(**{"entity__code" if name == "entity" else name: filters[name]})
    if filters.get("q"):
        q = filters["q"].strip()
        queryset = queryset.filter(source_id__istartswith=q) | queryset.filter(employee_email__istartswith=q)
    return queryset


def document_get(*, user, pk: int) -> Document:
    """One visible document (404 for anything else, so existence does not leak)."""
    return get_object_or_404(document_list(user=user), pk=pk)
