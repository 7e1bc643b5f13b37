"""Output shapes of /api/v1/reporting/: reconciliations and their differences, reporting runs, the dashboard's
connector and last-run tables."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.reporting.models import ReconciliationDifference, ReconciliationRun, ReportingRun


class ReconciliationRunSerializer(serializers.ModelSerializer):
    entity = serializers.SlugRelatedField(slug_field="code", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    summary = serializers.JSONField(
        read_only=True,
        help_text="Per side (received, ledger, odoo, reporting): {count, total}; currency, rejected, "
        "unknown_amounts, and differences (kind → count). Empty until the run is done.",
    )

    class Meta:
        model = ReconciliationRun
        fields = [
            "id",
            "entity",
            "period_start",
            "period_end",
            "status",
            "trigger",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "summary",
            "differences_count",
            "message",
        ]
        read_only_fields = fields


class ReconciliationDifferenceSerializer(serializers.ModelSerializer):
    document = serializers.CharField(source="document_key", read_only=True, help_text="Idempotency key.")
    sides = serializers.JSONField(
        read_only=True, help_text="What each side holds: received {state, lines, total}, ledger {postings}, "
        "odoo [{id, name, state, amount}], reporting {rows, total}."
    )  # fmt: skip

    class Meta:
        model = ReconciliationDifference
        fields = ["id", "document", "source_id", "kind", "message", "sides"]
        read_only_fields = fields


class ReportingRunSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    counts = serializers.JSONField(read_only=True, help_text="What the run handled, by name (e.g. rows, sent).")
    odoo_errors = serializers.JSONField(read_only=True, help_text="Odoo errors by class → count.")

    class Meta:
        model = ReportingRun
        fields = [
            "id",
            "kind",
            "status",
            "trigger",
            "requested_by",
            "started_at",
            "finished_at",
            "counts",
            "message",
            "odoo_calls",
            "odoo_ms",
            "odoo_errors",
        ]
        read_only_fields = fields


class RunRequestSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="The task queued.")
    status = serializers.CharField(help_text="Always `queued`: the task starts once a worker takes it.")
    detail = serializers.CharField()
    last_run = ReportingRunSerializer(allow_null=True, help_text="The latest run of that kind before this request.")


class DashboardConnectorSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    kind = serializers.CharField()
    health = serializers.CharField()
    checked_at = serializers.DateTimeField(allow_null=True)
    latency_ms = serializers.IntegerField(allow_null=True)
    message = serializers.CharField(allow_blank=True)
    expires_at = serializers.DateTimeField(allow_null=True, help_text="Soonest expiry of an active credential.")
    expires_in_days = serializers.IntegerField(allow_null=True)


class DashboardRunInfoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    counts = serializers.DictField(help_text="What the run handled, by name (numbers).")


class DashboardRunSerializer(serializers.Serializer):
    """A row of the dashboard's "last run per flow" table: a sync flow's or a reporting task's latest run."""

    flow = serializers.CharField(help_text="Flow name, or the reporting task's label.")
    kind = serializers.ChoiceField(choices=["flow", "reporting"])
    run = serializers.SerializerMethodField(help_text="Null when it never ran.")

    @extend_schema_field(DashboardRunInfoSerializer(allow_null=True))
    def get_run(self, row):
        run = row["run"]
        if run is None:
            return None
        if row["kind"] == "reporting":
            counts = run.counts
        else:
            counts = {"received": run.received, "posted": run.posted, "duplicates_skipped": run.duplicates_skipped,
                      "held": run.held, "failed": run.failed}  # fmt: skip
        return DashboardRunInfoSerializer({"id": run.pk, "status": run.status, "started_at": run.started_at,
                                           "finished_at": run.finished_at, "counts": counts}).data  # fmt: skip
