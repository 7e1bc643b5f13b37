"""Read-only ledger API: the same filters and scope as the browser; cursor pagination on sequence."""

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.ledger import selectors
from apps.ledger.api.serializers import LedgerEntryDetailSerializer, LedgerEntrySerializer
from apps.ledger.export import entry_payload_text
from apps.ledger.forms import LedgerFilterForm

READ = {"GET": "ledger.view_ledgerentry"}


class SequenceCursor(CursorPagination):
    ordering = "-sequence"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


FILTER_PARAMETERS = [
    OpenApiParameter(
        name,
        OpenApiTypes.DATE if name.startswith("date_") else str,
        description=f"{field.label or name.replace('_', ' ').capitalize()} (exact match; dates are whole UTC days)",
    )
    for name, field in LedgerFilterForm.base_fields.items()
]


@extend_schema(parameters=FILTER_PARAMETERS)
class LedgerEntryList(generics.ListAPIView):
    """GET /api/v1/ledger/entries/?kind=…&entity=…&date_from=YYYY-MM-DD… — newest first."""

    required_perms = READ
    serializer_class = LedgerEntrySerializer
    pagination_class = SequenceCursor

    def get_queryset(self):
        form = LedgerFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        return selectors.ledger_entry_filter(selectors.ledger_entry_scope(self.request.user), form.filters())


class LedgerEntryDetail(generics.RetrieveAPIView):
    """GET /api/v1/ledger/entries/<sequence>/ — with the payload; 404 outside the reader's scope."""

    required_perms = READ
    serializer_class = LedgerEntryDetailSerializer
    lookup_field = "sequence"

    def get_queryset(self):
        return selectors.ledger_entry_scope(self.request.user).select_related("payload_row")


@extend_schema(
    responses=inline_serializer(
        "LedgerVerificationStatus",
        {"verified": serializers.BooleanField(), "recorded_at": serializers.DateTimeField(required=False),
         "sequence": serializers.IntegerField(required=False), "result": serializers.DictField(allow_null=True)},
    )
)  # fmt: skip
class LedgerVerificationStatus(APIView):
    """GET /api/v1/ledger/verification/ — the last recorded verification of the chain."""

    required_perms = READ

    def get(self, request):
        status = selectors.ledger_verification_status()
        if status is None:
            return Response({"verified": False, "result": None})
        return Response(
            {
                "verified": True,
                "recorded_at": status.recorded_at,
                "sequence": status.sequence,
                "result": json.loads(entry_payload_text(status) or "{}"),
            }
        )
