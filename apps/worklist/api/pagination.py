"""Keyset (cursor) pagination on (sort key, id): constant cost at any depth, stable under inserts.

DRF's CursorPagination positions on the first ordering field only and falls back to an offset among ties;
worklist items share due dates by the thousand (one close deadline per entity), so we page on the pair.
"""

import base64
import json
from datetime import date, datetime

from django.db.models import Q
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

SORT_FIELDS = {"due": "due_date", "-due": "-due_date", "created": "created_at", "-created": "-created_at"}
PAGE_SIZE = 50


def _encode(value, pk: int) -> str:
    raw = json.dumps([value.isoformat() if isinstance(value, (date, datetime)) else value, pk])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode(cursor: str, field: str):
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        parsed = datetime.fromisoformat(value) if field == "created_at" else date.fromisoformat(value)
        return parsed, int(pk)
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationError({"cursor": "Invalid cursor."}) from None


def paginate(request, queryset, sort: str, serializer_class):
    """Response with `results` and `next` (a URL, or None on the last page)."""
    ordering = SORT_FIELDS.get(sort, "due_date")
    field = ordering.lstrip("-")
    descending = ordering.startswith("-")
    queryset = queryset.order_by(ordering, "-id" if descending else "id")
    cursor = request.query_params.get("cursor")
    if cursor:
        value, pk = _decode(cursor, field)
        op = "lt" if descending else "gt"
        queryset = queryset.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": pk}))
    rows = list(queryset[: PAGE_SIZE + 1])
    page = rows[:PAGE_SIZE]
    next_url = None
    if len(rows) > PAGE_SIZE:
        last = page[-1]
        next_url = replace_query_param(request.build_absolute_uri(), "cursor", _encode(getattr(last, field), last.pk))
    return Response({"next": next_url, "results": serializer_class(page, many=True).data})
