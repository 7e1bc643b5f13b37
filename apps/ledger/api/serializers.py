import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.ledger.export import entry_payload_text
from apps.ledger.models import LedgerEntry

ENTRY_FIELDS = (
    "sequence", "recorded_at", "direction", "kind", "outcome", "entity", "connector", "flow", "source_system",
    "source_id", "document", "target_model", "target_id", "actor_type", "actor_id", "actor_name", "correlation_id",
    "reason", "payload_digest", "previous_hash", "hash",
)  # fmt: skip


class LedgerEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = ENTRY_FIELDS
        read_only_fields = ENTRY_FIELDS


class LedgerEntryDetailSerializer(LedgerEntrySerializer):
    """With the (already redacted) payload: parsed JSON, null when archived or absent."""

    payload = serializers.SerializerMethodField()
    payload_archived = serializers.SerializerMethodField()

    class Meta(LedgerEntrySerializer.Meta):
        fields = (*ENTRY_FIELDS, "payload", "payload_archived")
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_payload(self, entry) -> dict | None:
        text = entry_payload_text(entry)
        return json.loads(text) if text and text != "[archived]" else None

    def get_payload_archived(self, entry) -> bool:
        return entry_payload_text(entry) == "[archived]"
