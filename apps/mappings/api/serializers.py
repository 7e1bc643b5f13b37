"""Shapes of /api/v1/mappings/: read serializers of the models, input serializers of the commands."""

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from apps.mappings.models import MappingDimension, MappingRule, MappingSet, MappingSetVersion, MasterRecord
from apps.mappings.rule_input import FIELDS as RULE_FIELDS


@extend_schema_field({"type": "string", "nullable": True})
class UserName(serializers.RelatedField):
    def to_representation(self, value):
        return value.get_username()


class MappingSetSerializer(serializers.ModelSerializer):
    entity = serializers.CharField(source="entity.code")
    owner = UserName(read_only=True)
    steward_group = serializers.CharField(source="steward_group.name", default=None, allow_null=True)

    class Meta:
        model = MappingSet
        fields = ["id", "entity", "dimension", "name", "description", "owner", "steward_group", "created_at"]


class MappingRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = MappingRule
        fields = ["id", "position", *RULE_FIELDS]


class MappingSetVersionSerializer(serializers.ModelSerializer):
    mapping_set = serializers.IntegerField(source="mapping_set_id")
    author = UserName(read_only=True)
    submitted_by = UserName(read_only=True)
    approver = UserName(read_only=True)
    rejected_by = UserName(read_only=True)
    based_on = serializers.IntegerField(source="based_on.number", default=None, allow_null=True)

    class Meta:
        model = MappingSetVersion
        fields = [
            "id",
            "mapping_set",
            "number",
            "status",
            "auto_match",
            "based_on",
            "author",
            "created_at",
            "submitted_by",
            "submitted_at",
            "submit_reason",
            "approver",
            "approved_at",
            "approval_note",
            "rejected_by",
            "rejected_at",
            "rejected_reason",
            "effective_from",
            "effective_to",
            "activated_at",
            "retired_at",
        ]


class MasterRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = MasterRecord
        fields = ["odoo_id", "kind", "code", "name", "company_id", "active", "changed_at"]


class SetCreateInput(serializers.Serializer):
    entity = serializers.CharField()
    dimension = serializers.ChoiceField(choices=MappingDimension.choices)
    name = serializers.CharField(max_length=200)
    owner = serializers.CharField(required=False, help_text="Username; the caller by default.")
    steward_group = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class SetUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    owner = serializers.CharField(required=False)
    steward_group = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)


class RuleInput(serializers.Serializer):
    """Strings as a person would type them; apps.mappings.rule_input parses and the service validates."""

    match = serializers.CharField(required=False, allow_blank=True)
    source_value = serializers.CharField(required=False, allow_blank=True)
    target_model = serializers.CharField(required=False, allow_blank=True)
    target_id = serializers.CharField(required=False, allow_blank=True)
    target_name = serializers.CharField(required=False, allow_blank=True)
    conditions = serializers.JSONField(required=False)
    effective_from = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    effective_to = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)


@extend_schema_serializer(component_name="MappingReasonInput")
class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ConfigureInput(serializers.Serializer):
    auto_match = serializers.BooleanField(required=False, allow_null=True, default=None)
    effective_from = serializers.DateField(required=False, allow_null=True)


class RefreshInput(serializers.Serializer):
    entity = serializers.CharField()


# --- answer shapes (the OpenAPI schema; the views build these dicts with the serializers above) ---------------


class MappingSetDetailSerializer(MappingSetSerializer):
    versions = MappingSetVersionSerializer(many=True)

    class Meta(MappingSetSerializer.Meta):
        fields = [*MappingSetSerializer.Meta.fields, "versions"]


class MappingVersionRulesSerializer(MappingSetVersionSerializer):
    rules = MappingRuleSerializer(many=True)
    problems = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField()), help_text="Rule id → {field: problem}."
    )

    class Meta(MappingSetVersionSerializer.Meta):
        fields = [*MappingSetVersionSerializer.Meta.fields, "rules", "problems"]


class RuleChangeSerializer(serializers.Serializer):
    key = serializers.CharField()
    source_value = serializers.CharField(allow_null=True)
    fields = serializers.DictField(child=serializers.ListField(), help_text="field → [before, after].")


class VersionDiffSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    against = serializers.IntegerField(allow_null=True, help_text="The version compared with (none: empty).")
    added = serializers.ListField(child=serializers.DictField())
    removed = serializers.ListField(child=serializers.DictField())
    changed = RuleChangeSerializer(many=True)


class PreviewDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source_id = serializers.CharField()
    state = serializers.CharField()
    pending = serializers.BooleanField()
    changes = serializers.ListField(child=serializers.DictField())


class VersionPreviewSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    documents_considered = serializers.IntegerField()
    documents_changed = serializers.IntegerField()
    pending_documents_changed = serializers.IntegerField()
    documents_newly_failing = serializers.IntegerField()
    documents_newly_resolving = serializers.IntegerField()
    open_items = serializers.IntegerField()
    items_resolved = serializers.IntegerField()
    item_ids_resolved = serializers.ListField(child=serializers.IntegerField())
    truncated = serializers.BooleanField()
    unreadable_documents = serializers.IntegerField()
    documents = PreviewDocumentSerializer(many=True)


class ImportInput(serializers.Serializer):
    file = serializers.FileField(help_text="CSV or XLSX, as exported.")
    mode = serializers.ChoiceField(choices=["replace", "append"], required=False, default="replace")


class ImportResultSerializer(serializers.Serializer):
    rules = serializers.IntegerField(help_text="Rules in the draft after the import.")


class MasterDataSerializer(serializers.Serializer):
    entity = serializers.CharField()
    results = MasterRecordSerializer(many=True)


class RefreshRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    entity = serializers.CharField()
    status = serializers.CharField()
