"""The master-data cache: Odoo records per legal entity, as last read. UI pickers and validation read this only."""

from django.conf import settings
from django.db import models


class MasterKind(models.TextChoices):
    COMPANIES = "companies", "Companies"
    EMPLOYEES = "employees", "Employees"
    DEPARTMENTS = "departments", "Departments"
    PROJECTS = "projects", "Projects"
    ANALYTIC_ACCOUNTS = "analytic_accounts", "Analytic accounts"
    ANALYTIC_PLANS = "analytic_plans", "Analytic plans"
    TAXES = "taxes", "Taxes"
    ACCOUNTS = "accounts", "Accounts"
    JOURNALS = "journals", "Journals"
    EXPENSE_CATEGORIES = "expense_categories", "Expense categories"
    CURRENCIES = "currencies", "Currencies"


class MasterRecord(models.Model):
    """One Odoo record as the gateway normalised it, with a digest so a refresh writes only what changed.

    `code` is the key people and platforms use (work e-mail, product reference, account code, ISO code);
    `company_id` is the Odoo company the record belongs to (None: shared by all companies).
    """

    entity = models.ForeignKey("entities.LegalEntity", on_delete=models.CASCADE, related_name="master_records")
    kind = models.CharField(max_length=32, choices=MasterKind.choices)
    odoo_id = models.PositiveIntegerField()
    code = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=500, blank=True)
    company_id = models.PositiveIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)
    data = models.JSONField(default=dict)
    digest = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["entity", "kind", "name", "odoo_id"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "kind", "odoo_id"], name="masterrecord_unique_odoo_id"),
        ]
        indexes = [
            models.Index(fields=["entity", "kind", "active", "code"], name="masterrecord_code"),
            models.Index(fields=["entity", "kind", "name"], name="masterrecord_name"),
        ]
        permissions = [("refresh_masterrecord", "Can refresh the master-data cache from Odoo")]

    def __str__(self) -> str:
        return f"{self.name or self.code} ({self.kind} {self.odoo_id})"


class MasterDataRefreshStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class MasterDataRefresh(models.Model):
    """One refresh run of one entity's cache: claimed by compare-and-set, counts per kind when done."""

    entity = models.ForeignKey("entities.LegalEntity", on_delete=models.CASCADE, related_name="+")
    connector = models.CharField(max_length=100, blank=True, help_text="Slug of the Odoo connector read.")
    status = models.CharField(
        max_length=16, choices=MasterDataRefreshStatus.choices, default=MasterDataRefreshStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    trigger = models.CharField(max_length=16, default="manual")  # manual | schedule
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One refresh of an entity at a time: a second request while one is queued or running is refused.
            models.UniqueConstraint(
                fields=["entity"], condition=models.Q(status__in=["queued", "running"]), name="masterrefresh_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"Master-data refresh {self.entity_id} #{self.pk} ({self.status})"
