"""Mapping sets (one per legal entity and dimension), their versions (maker-checker) and their rules.

Rules belong to a version and never change once the version leaves `draft`: an approved version is an
immutable record of what the approver saw. Status changes go through apps.mappings.services only.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.mappings.engine.types import Dimension, MatchKind


class MappingDimension(models.TextChoices):
    """The dimensions of the engine (apps.mappings.engine.Dimension), with labels for people."""

    EMPLOYEE = Dimension.EMPLOYEE.value, "Employee"
    VENDOR = Dimension.VENDOR.value, "Vendor (merchant → partner)"
    CATEGORY = Dimension.CATEGORY.value, "Expense category"
    TAX_CODE = Dimension.TAX_CODE.value, "Tax code"
    PROJECT = Dimension.PROJECT.value, "Project"
    DEPARTMENT = Dimension.DEPARTMENT.value, "Department"
    COST_CENTRE = Dimension.COST_CENTRE.value, "Cost centre"
    JOURNAL = Dimension.JOURNAL.value, "Journal (payment type)"
    CURRENCY = Dimension.CURRENCY.value, "Currency"


class MappingSet(models.Model):
    """What one legal entity's values of one dimension map to in Odoo, owned by a named person."""

    entity = models.ForeignKey("entities.LegalEntity", on_delete=models.PROTECT, related_name="mapping_sets")
    dimension = models.CharField(max_length=20, choices=MappingDimension.choices)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_mapping_sets")
    steward_group = models.ForeignKey(
        "auth.Group",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stewarded_mapping_sets",
        help_text="People who maintain the rules with the owner (they may edit drafts).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["entity__code", "dimension"]
        constraints = [models.UniqueConstraint(fields=["entity", "dimension"], name="mappingset_one_per_dimension")]
        permissions = [("approve_mappingset", "Can approve or reject versions of a mapping set")]

    def __str__(self) -> str:
        return f"{self.entity.code} {self.get_dimension_display()}"


class MappingSetVersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING_APPROVAL = "pending_approval", "Pending approval"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"
    REJECTED = "rejected", "Rejected"


OPEN_STATUSES = (MappingSetVersionStatus.DRAFT, MappingSetVersionStatus.PENDING_APPROVAL)
APPROVED_STATUSES = (MappingSetVersionStatus.ACTIVE, MappingSetVersionStatus.RETIRED)


class MappingSetVersion(models.Model):
    """A numbered state of a set's rules. Effective range [effective_from, effective_to); None = open."""

    mapping_set = models.ForeignKey(MappingSet, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=20, choices=MappingSetVersionStatus.choices, default=MappingSetVersionStatus.DRAFT
    )
    auto_match = models.BooleanField(
        default=False,
        help_text="Values without an explicit rule map to the cached Odoo record with that key "
        "(employees by work e-mail, currencies by ISO code, categories by product reference).",
    )
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    contributors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submit_reason = models.TextField(blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_note = models.TextField(blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejected_reason = models.TextField(blank=True)
    effective_from = models.DateField(null=True, blank=True)
    effective_to = models.DateField(null=True, blank=True, help_text="Exclusive; set when a later version starts.")
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["mapping_set", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["mapping_set", "number"], name="mappingversion_unique_number"),
            # At most one version in the works and one active version per set.
            models.UniqueConstraint(
                fields=["mapping_set"],
                condition=Q(status__in=["draft", "pending_approval"]),
                name="mappingversion_one_open",
            ),
            models.UniqueConstraint(
                fields=["mapping_set"], condition=Q(status="active"), name="mappingversion_one_active"
            ),
        ]
        indexes = [models.Index(fields=["status", "mapping_set"], name="mappingversion_status")]

    def __str__(self) -> str:
        return f"{self.mapping_set} v{self.number} ({self.get_status_display()})"

    @property
    def entity(self):  # lets the ledger file audit entries of a version under its entity
        return self.mapping_set.entity

    @property
    def is_editable(self) -> bool:
        return self.status == MappingSetVersionStatus.DRAFT


class MappingRuleMatch(models.TextChoices):
    EXACT = MatchKind.EXACT.value, "Exact value"
    PATTERN = MatchKind.PATTERN.value, "Pattern (* and ?)"


class MappingRule(models.Model):
    """Source value (exact, or a glob pattern) → one Odoo record, optionally only under conditions and dates."""

    version = models.ForeignKey(MappingSetVersion, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveIntegerField(default=0, help_text="Patterns are tried in this order.")
    match = models.CharField(max_length=10, choices=MappingRuleMatch.choices, default=MappingRuleMatch.EXACT)
    source_value = models.CharField(max_length=255)
    target_model = models.CharField(max_length=64)
    target_id = models.PositiveIntegerField()
    target_name = models.CharField(max_length=500, blank=True)
    conditions = models.JSONField(default=dict, blank=True)
    effective_from = models.DateField(null=True, blank=True)
    effective_to = models.DateField(null=True, blank=True, help_text="Exclusive.")
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["version", "position", "id"]
        indexes = [models.Index(fields=["version", "source_value"], name="mappingrule_source")]

    def __str__(self) -> str:
        return f"{self.source_value} → {self.target_model} {self.target_id}"

    def as_dict(self) -> dict:
        """The rule's content (what a diff, an export and the audit trail compare)."""
        return {
            "match": self.match,
            "source_value": self.source_value,
            "target_model": self.target_model,
            "target_id": self.target_id,
            "target_name": self.target_name,
            "conditions": self.conditions or {},
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "position": self.position,
            "note": self.note,
        }
