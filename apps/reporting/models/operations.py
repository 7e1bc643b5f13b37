"""The reporting app's operational tables (default database): runs, push and status memory, rollups,
reconciliations. Written by apps.reporting.services only."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ReportingRunKind(models.TextChoices):
    MASTER_DATA = "master_data", "Master data to the platforms"
    STATUS = "reimbursement_status", "Reimbursement status back"
    PUBLICATION = "publication", "Reporting publication"
    RECONCILIATION = "reconciliation", "Reconciliation"


class ReportingRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Partially succeeded"
    FAILED = "failed", "Failed"


class ReportingRun(models.Model):
    """One execution of a reporting task. At most one of each kind runs at a time (the claim)."""

    kind = models.CharField(max_length=24, choices=ReportingRunKind.choices)
    status = models.CharField(max_length=12, choices=ReportingRunStatus.choices, default=ReportingRunStatus.RUNNING)
    trigger = models.CharField(max_length=16, default="schedule")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")  # fmt: skip
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    message = models.CharField(max_length=500, blank=True)
    odoo_calls = models.PositiveIntegerField(default=0)
    odoo_ms = models.PositiveIntegerField(default=0, help_text="Time spent waiting for Odoo.")
    odoo_errors = models.JSONField(default=dict, blank=True, help_text="{error class: count}")
    correlation_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["kind", "-started_at"], name="reportingrun_kind_started")]
        constraints = [
            models.UniqueConstraint(fields=["kind"], condition=Q(status="running"), name="reportingrun_one_running")
        ]
        permissions = [
            ("view_dashboard", "Can see the operations dashboard"),
            ("view_all_operations", "Can see the operations of every legal entity (IT, auditors)"),
            ("run_reporting", "Can run a reporting task now (publish, status back, master data)"),
            ("download_extract", "Can download reporting extracts (CSV, Parquet)"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"


class PushedRecord(models.Model):
    """What the platform last accepted for one master-data record: only a changed digest is sent again."""

    connector = models.CharField(max_length=100, help_text="Platform connector slug.")
    entity = models.ForeignKey("entities.LegalEntity", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32)
    odoo_id = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    pushed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connector", "entity", "kind", "odoo_id"], name="pushedrecord_unique")
        ]

    def __str__(self) -> str:
        return f"{self.connector} {self.kind} {self.odoo_id}"


class ReimbursementStatus(models.Model):
    """The payment state of a posted document as last read from Odoo, and as last sent to its platform."""

    document = models.OneToOneField("documents.Document", on_delete=models.CASCADE, related_name="+")
    entity = models.ForeignKey("entities.LegalEntity", on_delete=models.PROTECT, related_name="+")
    odoo_model = models.CharField(max_length=64)
    payment_state = models.CharField(max_length=20)
    entry_name = models.CharField(max_length=100, blank=True)
    entry_date = models.DateField(null=True, blank=True)
    odoo_amount = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    read_at = models.DateTimeField()
    changed_at = models.DateTimeField()
    sent_state = models.CharField(max_length=20, blank=True, help_text="The state the platform last accepted.")
    sent_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["payment_state"], name="reimb_payment_state")]

    def __str__(self) -> str:
        return f"{self.document_id}: {self.payment_state}"


class RollupCursor(models.Model):
    """The last ledger sequence folded into the hourly rollup."""

    name = models.CharField(max_length=40, primary_key=True)
    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"


class OpsHourly(models.Model):
    """Counts per hour, legal entity and metric, folded from the ledger incrementally (the dashboard's source)."""

    hour = models.DateTimeField()
    entity = models.CharField(max_length=32, blank=True)
    metric = models.CharField(max_length=40)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hour", "entity", "metric"], name="opshourly_unique")]
        indexes = [models.Index(fields=["entity", "hour"], name="opshourly_entity_hour")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h {self.entity} {self.metric}={self.count}"


class ReconciliationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ReconciliationRun(models.Model):
    """One reconciliation of a legal entity and period: received ↔ ledger ↔ Odoo ↔ reporting store."""

    entity = models.ForeignKey("entities.LegalEntity", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=10, choices=ReconciliationStatus.choices, default=ReconciliationStatus.QUEUED)
    trigger = models.CharField(max_length=16, default="manual")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True, help_text="Count and total of each side.")
    differences_count = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    correlation_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["entity", "period_start", "-created_at"], name="recon_entity_period")]
        permissions = [("export_reconciliationrun", "Can export a reconciliation (CSV, XLSX)")]

    def __str__(self) -> str:
        return f"Reconciliation {self.entity_id} {self.period_start}…{self.period_end} ({self.status})"


class ReconciliationDifference(models.Model):
    """One document that is missing, or differs, on one side of a reconciliation."""

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="differences")
    document_key = models.CharField(max_length=200)
    source_id = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=32)
    message = models.CharField(max_length=500)
    sides = models.JSONField(default=dict, help_text="What each side holds for the document.")

    class Meta:
        ordering = ["kind", "document_key"]
        indexes = [models.Index(fields=["run", "kind"], name="recondiff_run_kind")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.document_key}"
