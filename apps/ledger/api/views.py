"""Read-only ledger API: the same filters and scope as the browser; cursor pagination on sequence."""

import json
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.ledger import selectors
from apps.ledger.api.serializers import LedgerEntryDetailSerializer, LedgerEntrySerializer
from apps.ledger.export import csv_lines, entry_payload_text, write_evidence_pack
from apps.ledger.forms import LedgerFilterForm
from apps.ledger.verification import verify_chain
from apps.ledger.views import _exported_anchors

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


def _filters(request) -> LedgerFilterForm:
    form = LedgerFilterForm(request.query_params)
    if not form.is_valid():
        raise ValidationError(form.errors)
    return form


@extend_schema(parameters=FILTER_PARAMETERS, responses={(200, "text/csv"): OpenApiTypes.STR})
class LedgerExport(APIView):
    """GET /api/v1/ledger/export/ — the filtered entries as CSV (with payloads), oldest first, streamed: the
    ledger page's CSV export."""

    required_perms = {"GET": "ledger.export_entries"}

    def get(self, request):
        entries = selectors.ledger_entry_export(user=request.user, filters=_filters(request).filters())
        response = StreamingHttpResponse(csv_lines(entries), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="ledger-{timezone.now():%Y%m%d-%H%M%S}.csv"'
        return response


@extend_schema(parameters=FILTER_PARAMETERS, responses={(200, "application/zip"): OpenApiTypes.BINARY})
class LedgerEvidencePack(APIView):
    """GET /api/v1/ledger/evidence-pack/?date_from=…&date_to=… — the auditor's evidence pack (zip: entries.csv,
    verification.json, anchors, README, MANIFEST.sha256) for a period; both dates are required."""

    required_perms = {"GET": "ledger.download_evidence_pack"}

    def get(self, request):
        form = _filters(request)
        missing = {n: "Required for an evidence pack." for n in ("date_from", "date_to") if not form.cleaned_data[n]}
        if missing:
            raise ValidationError(missing)
        period = (form.cleaned_data["date_from"], form.cleaned_data["date_to"])
        pack = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
        write_evidence_pack(
            pack,
            entries=selectors.ledger_entry_export(user=request.user, filters=form.filters()),
            period=period,
            verification=verify_chain(anchors=_exported_anchors()),
            generated_by=request.user.get_username(),
        )
        pack.seek(0)
        name = f"ledger-evidence-{period[0]}-{period[1]}.zip"
        return FileResponse(pack, as_attachment=True, filename=name, content_type="application/zip")
