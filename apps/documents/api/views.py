"""/api/v1/documents/: documents (read-only, scoped) and the file-drop import command."""

from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.documents.errors import TabularError
from apps.documents.file_import import MAX_FILE_BYTES, document_file_import
from apps.documents.forms import DocumentImportForm
from apps.documents.models import Document
from apps.documents.selectors import FILTERS, document_list


class DocumentSerializer(serializers.ModelSerializer):
    entity = serializers.CharField(source="entity.code")

    class Meta:
        model = Document
        fields = [
            "id",
            "idempotency_key",
            "source_connector",
            "source_system",
            "object_type",
            "source_id",
            "source_revision",
            "entity",
            "employee_email",
            "currency",
            "total",
            "line_count",
            "state",
            "state_reason",
            "failed_stage",
            "odoo_model",
            "odoo_ids",
            "received_at",
            "posted_at",
        ]


class DocumentPagination(CursorPagination):
    ordering = "-id"


class DocumentListApi(ListAPIView):
    serializer_class = DocumentSerializer
    pagination_class = DocumentPagination
    required_perms = {"GET": "documents.view_document"}

    def get_queryset(self):
        filters = {name: self.request.query_params.get(name, "") for name in (*FILTERS, "q")}
        return document_list(user=self.request.user, filters=filters)


class DocumentImportApi(APIView):
    """POST multipart: file, preset, entity (default), column_map (JSON). 201 with counts, 400 with line errors."""

    parser_classes = [MultiPartParser]
    required_perms = {"POST": "documents.import_document"}

    def post(self, request):
        form = DocumentImportForm(request.data, request.FILES)
        if not form.is_valid():
            return Response(
                {"errors": [{"field": f, "message": m} for f, ms in form.errors.items() for m in ms]}, status=400
            )
        upload = form.cleaned_data["file"]
        try:
            result = document_file_import(
                data=upload.read(MAX_FILE_BYTES + 1),  # never more than the limit in memory
                filename=upload.name,
                actor=request.user,
                preset=form.cleaned_data["preset"],
                defaults=form.defaults(),
                column_map=form.cleaned_data["column_map"],
            )
        except TabularError as error:
            return Response(error.as_dict(), status=400)
        return Response(
            {
                "created": [d.idempotency_key for d in result.created],
                "duplicates": [d.idempotency_key for d in result.duplicates],
                "lines": result.lines,
            },
            status=201,
        )
