"""Output shapes of /api/v1/sync/: flows (with schedule and field map), runs (counts, progress), outcomes."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.sync.models import Flow, RunDocument, SyncRun


class FlowSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    target = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    entities = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Flow
        fields = [
            "slug",
            "name",
            "owner",
            "source",
            "target",
            "object_type",
            "trigger",
            "cron",
            "batch_size",
            "posting_mode",
            "closed_period_policy",
            "revision_policy",
            "entities",
            "journal_code",
            "card_journal_code",
            "max_attempts",
            "receipt_threshold",
            "enabled",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ScheduleSerializer(serializers.Serializer):
    cron = serializers.CharField(help_text="The cron expression django-q2 fires the flow on.")
    next_run = serializers.DateTimeField(allow_null=True)


class FieldMapRowSerializer(serializers.Serializer):
    canonical = serializers.CharField(help_text="Field of the canonical document.")
    model = serializers.CharField(help_text="Odoo model it lands in.")
    field = serializers.CharField(help_text="Odoo field(s), for the target's Odoo version.")
    dimension = serializers.CharField(help_text="Mapping dimension(s) that translate it; empty when none.")
    mapping = serializers.CharField(help_text="Active mapping set versions in force for that dimension.")
    note = serializers.CharField()


class RunSerializer(serializers.ModelSerializer):
    flow = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    done = serializers.IntegerField(read_only=True, help_text="Documents handled so far.")
    progress = serializers.IntegerField(read_only=True, help_text="Percent of the documents handled (0–100).")
    finished = serializers.BooleanField(read_only=True)

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "flow",
            "trigger",
            "status",
            "requested_by",
            "total",
            "received",
            "posted",
            "duplicates_skipped",
            "held",
            "failed",
            "done",
            "progress",
            "finished",
            "odoo_calls",
            "lines",
            "message",
            "correlation_id",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class FlowDetailSerializer(FlowSerializer):
    schedule = serializers.SerializerMethodField()
    odoo_major = serializers.SerializerMethodField(help_text="Odoo major version the field map is written for.")
    field_map = serializers.SerializerMethodField()
    recent_runs = serializers.SerializerMethodField()

    class Meta(FlowSerializer.Meta):
        fields = [*FlowSerializer.Meta.fields, "schedule", "odoo_major", "field_map", "recent_runs"]
        read_only_fields = fields

    @extend_schema_field(ScheduleSerializer(allow_null=True))
    def get_schedule(self, flow):
        schedule = self.context.get("schedule")
        return ScheduleSerializer(schedule).data if schedule is not None else None

    def get_odoo_major(self, flow) -> int:
        return self.context["odoo_major"]

    @extend_schema_field(FieldMapRowSerializer(many=True))
    def get_field_map(self, flow):
        return FieldMapRowSerializer(self.context["field_map"], many=True).data

    @extend_schema_field(RunSerializer(many=True))
    def get_recent_runs(self, flow):
        return RunSerializer(flow.runs.select_related("flow", "requested_by")[:20], many=True).data


class RunDocumentSerializer(serializers.ModelSerializer):
    document = serializers.SlugRelatedField(slug_field="idempotency_key", read_only=True)
    document_id = serializers.IntegerField(read_only=True)
    state = serializers.CharField(source="document.state", read_only=True, help_text="The document's state now.")

    class Meta:
        model = RunDocument
        fields = ["id", "document", "document_id", "state", "outcome", "message", "created_at"]
        read_only_fields = fields


class DryRunItemSerializer(serializers.Serializer):
    document = serializers.CharField(help_text="Idempotency key of the document.")
    action = serializers.CharField(help_text="What Run now would do: create and post, hold, already in Odoo, …")
    report = serializers.CharField(required=False, help_text="Expense flow: the report key (one per payer).")
    model = serializers.CharField(required=False, help_text="Odoo model the payload is for.")
    payload = serializers.JSONField(required=False, help_text="The exact values that would be sent to Odoo.")
    workflow = serializers.ListField(child=serializers.CharField(), required=False)
    existing = serializers.JSONField(required=False, allow_null=True, help_text="What Odoo already holds for it.")
    problems = serializers.ListField(child=serializers.CharField(), required=False)


class DryRunSerializer(serializers.Serializer):
    flow = serializers.CharField()
    count = serializers.IntegerField()
    results = DryRunItemSerializer(many=True)
