"""Output shapes of the worklist API (input is validated by apps.worklist.forms, shared with the pages)."""

from rest_framework import serializers

from apps.worklist import calendar
from apps.worklist.models import (
    BulkAction,
    ClosePeriod,
    SavedFilter,
    WorklistCategory,
    WorklistComment,
    WorklistItem,
    WorklistResolution,
)


class WorklistItemSerializer(serializers.ModelSerializer):
    entity = serializers.SlugRelatedField(slug_field="code", read_only=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)
    document = serializers.SerializerMethodField()
    tags = serializers.ListField(source="tag_list", read_only=True)
    days_left = serializers.SerializerMethodField()
    ageing = serializers.SerializerMethodField()
    # Declared: a read-only model choice field loses its blank choice in the schema ("" until resolved).
    resolution = serializers.ChoiceField(choices=[("", "Not resolved"), *WorklistResolution.choices], read_only=True)

    class Meta:
        model = WorklistItem
        fields = [
            "id",
            "category",
            "severity",
            "status",
            "message",
            "detail",
            "stage",
            "entity",
            "document",
            "subject_key",
            "connector",
            "flow",
            "amount",
            "currency",
            "assignee",
            "routed_via",
            "tags",
            "due_date",
            "days_left",
            "ageing",
            "attempts",
            "corrections",
            "snoozed_until",
            "resolution",
            "resolution_note",
            "resolved_at",
            "resolved_by_approval",
            "duplicate_of",
            "created_at",
            "updated_at",
            "last_failed_at",
        ]
        read_only_fields = fields

    def get_document(self, item) -> str | None:
        return item.document.idempotency_key if item.document_id else None

    def get_days_left(self, item) -> int:
        return calendar.days_left(item.due_date)

    def get_ageing(self, item) -> str:
        return calendar.ageing_flag(item.due_date) if item.is_active else ""


class WorklistCommentSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = WorklistComment
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = fields


class BulkActionSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = BulkAction
        fields = [
            "id",
            "kind",
            "actor",
            "query",
            "status",
            "total",
            "done",
            "succeeded",
            "failed",
            "errors",
            "percent",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class SavedFilterSerializer(serializers.ModelSerializer):
    class Meta:
        model = SavedFilter
        fields = ["id", "name", "query", "created_at"]
        read_only_fields = fields


class ClosePeriodSerializer(serializers.ModelSerializer):
    entity = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ClosePeriod
        fields = ["id", "entity", "period_end", "close_deadline"]
        read_only_fields = fields


class RunbookSummarySerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=WorklistCategory.choices)
    label = serializers.CharField()


class RunbookSerializer(RunbookSummarySerializer):
    markdown = serializers.CharField(help_text="The runbook as written (docs/runbooks/<category>.md).")
    html = serializers.CharField(help_text="The same rendered as the page shows it: every input character escaped.")
