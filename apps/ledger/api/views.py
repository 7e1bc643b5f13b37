"""Read-only ledger API: the same filters and scope as the browser; cursor pagination on sequence."""

import json

from rest_framework import generics
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
