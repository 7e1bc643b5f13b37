"""Filtering, ordering and cursor pagination for list endpoints: declared per view, validated, documented.

Both backends are REST framework's defaults (settings.REST_FRAMEWORK["DEFAULT_FILTER_BACKENDS"]) and do
nothing unless the view declares what it accepts. A list view over a selector:

    from apps.access.api_filters import cursor_pagination

    class EntryList(generics.ListAPIView):
        required_perms = {"GET": "ledger.view_ledgerentry"}
        serializer_class = EntrySerializer
        # ?kind=a,b  ?entity=FR  ?since=2030-01-01 — query parameter → ORM lookup (`__in` takes a comma list)
        filter_fields = {"kind": "kind__in", "entity": "entity", "since": "created_at__date__gte"}
        # ?ordering=-time — public name → model field; the pagination makes it unique with the pk
        ordering_fields = {"time": "created_at", "sequence": "sequence"}
        pagination_class = cursor_pagination("-sequence")

        def get_queryset(self):
            return selectors.ledger_entry_list(user=self.request.user)  # permission filtering stays in the selector

What a caller gets: an unknown ordering, an over-long value or one the field cannot hold → 400 with
`fields` naming the parameter (never a 500); unknown parameters are ignored; every accepted parameter appears
in the OpenAPI schema. Filters narrow what the selector already scoped: they can never widen it.
For richer filters keep a Django form and raise `rest_framework.exceptions.ValidationError(form.errors)`.
"""

from django.core.exceptions import FieldDoesNotExist, FieldError
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import BooleanField
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import CursorPagination

MAX_VALUE_LENGTH = 200
MAX_LIST_ITEMS = 50


def cursor_pagination(ordering: str = "-id", *, page_size: int = 50, max_page_size: int = 500):
    """A CursorPagination class ordered by `ordering` (default when the caller gives no `?ordering=`).

    `?page_size=` is accepted up to max_page_size. The cursor is opaque and stable under inserts.
    """
    return type(
        "Cursor",
        (CursorPagination,),
        {
            "ordering": ordering,
            "page_size": page_size,
            "page_size_query_param": "page_size",
            "max_page_size": max_page_size,
        },
    )


BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _is_boolean(model, lookup: str) -> bool:
    try:
        field = model._meta.get_field(lookup.split("__", 1)[0])
    except FieldDoesNotExist:
        return False
    return isinstance(field, BooleanField) and "__" not in lookup


def _value(name: str, raw: str, lookup: str, model):
    if len(raw) > MAX_VALUE_LENGTH:
        raise ValidationError({name: f"At most {MAX_VALUE_LENGTH} characters."})
    if _is_boolean(model, lookup):
        if raw.lower() not in BOOLEANS:
            raise ValidationError({name: "true or false."})
        return BOOLEANS[raw.lower()]
    if not lookup.endswith("__in"):
        return raw
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if len(items) > MAX_LIST_ITEMS:
        raise ValidationError({name: f"At most {MAX_LIST_ITEMS} values, separated by commas."})
    return items


class FieldFilter(BaseFilterBackend):
    """`?param=value` for each entry of the view's `filter_fields` ({param: ORM lookup}); empty values ignored."""

    def filter_queryset(self, request, queryset, view):
        declared = getattr(view, "filter_fields", None) or {}
        lookups = {}
        for name, lookup in declared.items():
            raw = request.query_params.get(name, "").strip()
            if raw:
                lookups[lookup] = _value(name, raw, lookup, queryset.model)
        if not lookups:
            return queryset
        try:
            filtered = queryset.filter(**lookups)
            filtered.exists()  # evaluate now: a value the column cannot hold must fail here (400), not later (500)
        except (ValueError, TypeError, DjangoValidationError, FieldError, OverflowError):
            names = [name for name, lookup in declared.items() if lookup in lookups]
            raise ValidationError(dict.fromkeys(names, "Not a valid value for this filter.")) from None
        return filtered

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": name,
                "required": False,
                "in": "query",
                "description": f"Filter on {lookup.replace('__', ' ')}"
                + (" (comma-separated values)" if lookup.endswith("__in") else ""),
                "schema": {"type": "string", "maxLength": MAX_VALUE_LENGTH},
            }
            for name, lookup in (getattr(view, "filter_fields", None) or {}).items()
        ]


class StrictOrderingFilter(BaseFilterBackend):
    """`?ordering=name,-other` among the view's `ordering_fields` ({public name: model field}); 400 otherwise.

    Cursor pagination reads `get_ordering`, so the page cursor follows the chosen order (pk as tie-breaker).
    """

    ordering_param = "ordering"

    def get_ordering(self, request, queryset, view):
        declared = getattr(view, "ordering_fields", None)
        raw = request.query_params.get(self.ordering_param, "").strip()
        if not declared or not raw:
            return None
        terms = [term.strip() for term in raw.split(",") if term.strip()]
        unknown = [term for term in terms if term.lstrip("-") not in declared]
        if unknown or len(terms) > len(declared):
            choices = ", ".join(sorted(declared))
            raise ValidationError({self.ordering_param: f"Order by one of: {choices} (prefix - for descending)."})
        ordering = [("-" if term.startswith("-") else "") + declared[term.lstrip("-")] for term in terms]
        tie_breaker = "-pk" if ordering[-1].startswith("-") else "pk"
        return (*ordering, tie_breaker)

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        # With cursor pagination the paginator applies the ordering; ordering here too is harmless and keeps
        # non-paginated lists sorted.
        return queryset.order_by(*ordering) if ordering else queryset

    def get_schema_operation_parameters(self, view):
        declared = getattr(view, "ordering_fields", None)
        if not declared:
            return []
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Order by " + ", ".join(sorted(declared)) + " (prefix - for descending).",
                "schema": {"type": "string", "enum": sorted([*declared, *(f"-{name}" for name in declared)])},
            }
        ]
