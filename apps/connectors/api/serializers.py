"""API shapes. Output serializers carry metadata only: no serializer here has a field that reads a secret or
its token; input serializers take the secret write-only and hand it straight to the service."""

from rest_framework import serializers

from apps.connectors.models import Connector, CredentialKind, CredentialVersion


class HealthSerializer(serializers.ModelSerializer):
    """What every reader sees (finance users: nothing more)."""

    health = serializers.CharField(source="health_state")

    class Meta:
        model = Connector
        fields = [
            "name",
            "slug",
            "kind",
            "enabled",
            "health",
            "health_checked_at",
            "health_ok",
            "health_latency_ms",
            "health_server_version",
            "health_message",
        ]


class ConnectorSerializer(HealthSerializer):
    """Configuration readers (owners, auditors)."""

    owner = serializers.CharField(source="owner.username", default=None, allow_null=True)
    entities = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta(HealthSerializer.Meta):
        fields = [
            *HealthSerializer.Meta.fields,
            "adapter",
            "base_url",
            "database",
            "protocol",
            "options",
            "owner",
            "entities",
            "rate_limit_per_second",
            "four_eyes_rotation",
            "rotation_grace_hours",
            "health_details",
            "auth_failed_at",
            "created_at",
            "updated_at",
        ]


class VersionSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", default=None, allow_null=True)
    approved_by = serializers.CharField(source="approved_by.username", default=None, allow_null=True)
    kind = serializers.CharField(source="credential.kind")
    connector = serializers.CharField(source="credential.connector.slug")

    class Meta:
        model = CredentialVersion
        fields = [
            "id",
            "connector",
            "kind",
            "version",
            "status",
            "fingerprint",
            "scopes",
            "notes",
            "created_by",
            "created_at",
            "expires_at",
            "tested_at",
            "test_ok",
            "test_message",
            "approved_by",
            "approved_at",
            "activated_at",
            "retired_at",
            "grace_until",
            "revoked_at",
            "last_used_at",
        ]


class ConnectorInputSerializer(serializers.Serializer):
    """Types only; the service validates values (same messages as the pages)."""

    name = serializers.CharField(max_length=200)
    slug = serializers.CharField(max_length=200, required=False)
    kind = serializers.CharField(max_length=40)
    adapter = serializers.CharField(max_length=60)
    base_url = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    database = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    protocol = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    options = serializers.JSONField(required=False, default=dict)
    entities = serializers.ListField(child=serializers.CharField(max_length=16), required=False)
    enabled = serializers.BooleanField(required=False, default=True)
    rate_limit_per_second = serializers.FloatField(required=False, default=0.0)
    four_eyes_rotation = serializers.BooleanField(required=False, default=False)
    rotation_grace_hours = serializers.IntegerField(required=False, default=24)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    initial_secret = serializers.CharField(
        write_only=True, required=False, allow_blank=True, trim_whitespace=False, max_length=100_000, default=""
    )
    initial_secret_kind = serializers.CharField(required=False, allow_blank=True, default="")
    initial_secret_expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class VersionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CredentialKind.choices)
    secret = serializers.CharField(write_only=True, trim_whitespace=False, allow_blank=True, max_length=100_000)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    scopes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class GrantInputSerializer(ReasonInputSerializer):
    username = serializers.CharField(max_length=150)


class ConnectorOutSerializer(ConnectorSerializer):
    """Documentation shape of a connector answer: finance users get the health fields only, configuration
    readers (owners, auditors) every field. Only used for the OpenAPI schema, never to serialize."""

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            if name not in HealthSerializer.Meta.fields:
                field.read_only, field.required = False, False  # present for configuration readers only
        return fields


class TestReportSerializer(serializers.Serializer):
    """apps.connectors.backends.base.result: the connection-test report (never a secret)."""

    ok = serializers.BooleanField()
    message = serializers.CharField()
    latency_ms = serializers.IntegerField(allow_null=True)
    server_version = serializers.CharField(allow_blank=True)
    auth_failed = serializers.BooleanField()
    details = serializers.DictField(required=False)


class VersionTestSerializer(serializers.Serializer):
    report = TestReportSerializer()
    version = VersionSerializer()


class GrantedSerializer(serializers.Serializer):
    granted_to = serializers.CharField()


class VersionListSerializer(serializers.Serializer):
    results = VersionSerializer(many=True)
