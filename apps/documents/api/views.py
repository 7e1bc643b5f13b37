"""/api/v1/documents/: documents (read-only, scoped) and the file-drop import command."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import GenericAPIView, ListAPIView, RetrieveAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from apps.documents.errors import TabularError
from apps.documents.file_import import document_form_import
from apps.documents.forms import DocumentImportForm
from apps.documents.models import Document, DocumentLine
from apps.documents.selectors import FILTERS, document_get, document_list


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


class DocumentLineSerializer(serializers.ModelSerializer):
    receipt_url = serializers.CharField(read_only=True, help_text="Link to the receipt; empty when none.")

    class Meta:
        model = DocumentLine
        fields = [
            "position",
            "line_id",
            "date",
            "amount",
            "currency",
            "category",
            "tax_code",
            "tax_amount",
            "project",
            "cost_centre",
            "department",
            "merchant",
            "receipt",
            "receipt_url",
            "payment_mode",
            "card_transaction_id",
        ]
        read_only_fields = fields


class DocumentDetailSerializer(DocumentSerializer):
    """The document page as JSON: lines, the canonical document as received, and its revisions."""

    previous_revision = serializers.SlugRelatedField(slug_field="idempotency_key", read_only=True, allow_null=True)
    next_revisions = serializers.SlugRelatedField(slug_field="idempotency_key", many=True, read_only=True)
    lines = DocumentLineSerializer(many=True, read_only=True)
    canonical = serializers.JSONField(read_only=True, help_text="The canonical document (see /api/v1/schemas/).")

    class Meta(DocumentSerializer.Meta):
        fields = [
            *DocumentSerializer.Meta.fields,
            "employee_name",
            "title",
            "approved_at",
            "attempts",
            "next_attempt_at",
            "correlation_id",
            "state_changed_at",
            "previous_revision",
            "next_revisions",
            "lines",
            "canonical",
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


class DocumentDetailApi(RetrieveAPIView):
    """GET: one document you may see (404 otherwise) with its lines, canonical form and revisions."""

    serializer_class = DocumentDetailSerializer
    required_perms = {"GET": "documents.view_document"}

    def get_object(self):
        return document_get(user=self.request.user, pk=self.kwargs["pk"])


ImportInput = inline_serializer(
    "DocumentImportInput",
    {
        "file": serializers.FileField(help_text=DocumentImportForm.base_fields["file"].help_text),
        "preset": serializers.ChoiceField(choices=DocumentImportForm.base_fields["preset"].choices, required=False),
        "entity": serializers.CharField(required=False, max_length=16),
        "column_map": serializers.CharField(required=False, help_text='JSON {"field": "Column header"}.'),
    },
)
ImportResult = inline_serializer(
    "DocumentImportResult",
    {
        "created": serializers.ListField(child=serializers.CharField(), help_text="Idempotency keys created."),
        "duplicates": serializers.ListField(child=serializers.CharField(), help_text="Keys already received."),
        "lines": serializers.IntegerField(),
    },
)


class DocumentImportApi(GenericAPIView):
    """POST multipart: file, preset, entity (default), column_map (JSON). 201 with counts, 400 with line errors."""

    parser_classes = [MultiPartParser]
    required_perms = {"POST": "documents.import_document"}

    @extend_schema(request={"multipart/form-data": ImportInput}, responses={201: ImportResult})
    def post(self, request):
        form = DocumentImportForm(request.data, request.FILES)
        if not form.is_valid():
            return Response(
                {"errors": [{"field": f, "message": m} for f, ms in form.errors.items() for m in ms]}, status=400
            )
        try:
            result = document_form_import(form=form, actor=request.user)
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
