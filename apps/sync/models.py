"""Flows (what moves where, when, how it posts) and runs (one execution of a flow, with counts and progress).

Writes go through apps.sync.services; the pipeline state of each document lives on `documents.Document`.
"""

from django.conf import settings
from django.db import models


class FlowObjectType(models.TextChoices):
    EXPENSE_REPORT = "expense_report", "Expense report"
    CARD_TRANSACTION = "card_transaction", "Card transaction"


class FlowTrigger(models.TextChoices):
    WEBHOOK = "webhook", "Webhook (as documents arrive)"
    SCHEDULE = "schedule", "Schedule (cron)"
    MANUAL = "manual", "Manual (Run now)"


class FlowPostingMode(models.TextChoices):
    EXPENSE = "expense", "Odoo expense flow (hr.expense + report)"
    JOURNAL_ENTRY = "journal_entry", "Journal entry (account.move)"


class FlowClosedPeriodPolicy(models.TextChoices):
    HOLD = "hold", "Hold for a human (worklist item)"
    POST_NEXT_OPEN_DATE = "post_next_open_date", "Post on the first open date"
    REJECT = "reject", "Reject the document"


class FlowRevisionPolicy(models.TextChoices):
    REVERSE_AND_REPOST = "reverse_and_repost", "Reverse the posted entry and post the new revision"
    WORKLIST = "worklist", "Hold the new revision for a human (worklist item)"


class Flow(models.Model):
    """What moves where and when. Object permissions (guardian) scope IT users to their flows."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")  # fmt: skip
    source = models.ForeignKey("connectors.Connector", on_delete=models.PROTECT, related_name="flows_out")
    target = models.ForeignKey("connectors.Connector", on_delete=models.PROTECT, related_name="flows_in")
    object_type = models.CharField(max_length=32, choices=FlowObjectType.choices,
                                   default=FlowObjectType.EXPENSE_REPORT)  # fmt: skip
    trigger = models.CharField(max_length=16, choices=FlowTrigger.choices, default=FlowTrigger.WEBHOOK)
    cron = models.CharField(max_length=100, blank=True, help_text="Cron expression, for scheduled flows.")
    batch_size = models.PositiveIntegerField(default=50)
    posting_mode = models.CharField(max_length=16, choices=FlowPostingMode.choices,
                                    default=FlowPostingMode.JOURNAL_ENTRY)  # fmt: skip
    closed_period_policy = models.CharField(max_length=24, choices=FlowClosedPeriodPolicy.choices,
                                            default=FlowClosedPeriodPolicy.HOLD)  # fmt: skip
    revision_policy = models.CharField(max_length=24, choices=FlowRevisionPolicy.choices,
                                       default=FlowRevisionPolicy.REVERSE_AND_REPOST)  # fmt: skip
    entities = models.ManyToManyField("entities.LegalEntity", blank=True, related_name="flows")
    journal_code = models.CharField(max_length=20, default="MISC", help_text="Odoo journal for expense reports.")
    card_journal_code = models.CharField(max_length=20, default="CARD", help_text="Odoo journal for card spend.")
    max_attempts = models.PositiveIntegerField(default=5, help_text="Transient failures before dead letter.")
    receipt_threshold = models.DecimalField(max_digits=12, decimal_places=2, default=75,
                                            help_text="Lines above this amount need a receipt.")  # fmt: skip
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [("run_flow", "Can run a flow now")]

    def __str__(self) -> str:
        return self.name


class SyncRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    PARTIAL = "partial", "Partially succeeded"


class SyncRunTrigger(models.TextChoices):
    WEBHOOK = "webhook", "Webhook"
    SCHEDULE = "schedule", "Schedule"
    MANUAL = "manual", "Manual"
    RETRY = "retry", "Retry"


class SyncRun(models.Model):
    """One execution of a flow. `run_key` is unique: a schedule tick or a button press creates at most one run."""

    flow = models.ForeignKey(Flow, on_delete=models.PROTECT, related_name="runs")
    run_key = models.CharField(max_length=200, unique=True)
    trigger = models.CharField(max_length=16, choices=SyncRunTrigger.choices)
    status = models.CharField(max_length=16, choices=SyncRunStatus.choices, default=SyncRunStatus.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")  # fmt: skip
    received = models.PositiveIntegerField(default=0)
    posted = models.PositiveIntegerField(default=0)
    duplicates_skipped = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0, help_text="Documents this run will look at.")
    odoo_calls = models.PositiveIntegerField(default=0)
    lines = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    correlation_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.flow} run #{self.pk} ({self.status})"

    @property
    def done(self) -> int:
        return self.posted + self.duplicates_skipped + self.held + self.failed

    @property
    def progress(self) -> int:
        """Percent of the documents handled (0–100)."""
        if not self.total:
            return 100 if self.finished_at else 0
        return min(100, round(100 * self.done / self.total))

    @property
    def finished(self) -> bool:
        return self.status in (SyncRunStatus.SUCCEEDED, SyncRunStatus.FAILED, SyncRunStatus.PARTIAL)


class RunDocument(models.Model):
    """The outcome of one document in one run (the run page's per-document table)."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="outcomes")
    document = models.ForeignKey("documents.Document", on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=16)  # posted | duplicate | held | failed | rejected | retry | skipped
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.document_id} in run #{self.run_id}: {self.outcome}"


class WebhookDelivery(models.Model):
    """One accepted webhook message id per connector: a repeated delivery answers 200 and creates nothing."""

    connector = models.CharField(max_length=100)
    webhook_id = models.CharField(max_length=200)
    document = models.ForeignKey("documents.Document", null=True, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connector", "webhook_id"], name="webhook_delivery_once")]

    def __str__(self) -> str:
        return f"{self.connector} webhook {self.webhook_id}"


class EntityPolicy(models.Model):
    """Posting policy of one legal entity; a value left empty falls back to the flow's."""

    entity = models.OneToOneField("entities.LegalEntity", on_delete=models.CASCADE, related_name="sync_policy")
    receipt_threshold = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                            help_text="Lines above it need a receipt (else the flow's).")  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "entity policies"

    def __str__(self) -> str:
        return f"Posting policy of {self.entity}"


class CardSpend(models.Model):
    """Who posts the spend of one card transaction: the card transaction itself or the report line paid with the
    card, whichever is posted first. Unique per entity and transaction id, so the spend is posted once."""

    entity = models.ForeignKey("entities.LegalEntity", on_delete=models.PROTECT, related_name="+")
    card_transaction_id = models.CharField(max_length=200)
    owner = models.ForeignKey("documents.Document", on_delete=models.PROTECT, related_name="+")
    owner_line_id = models.CharField(max_length=200)
    matched = models.ForeignKey("documents.Document", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entity", "card_transaction_id"], name="card_spend_once")]

    def __str__(self) -> str:
        return f"Card transaction {self.card_transaction_id} posted by {self.owner}"


class PendingPrepare(models.Model):
    """A prepare task is queued, not started, for this source, object type and entity: a webhook that finds this
    row enqueues nothing more (apps/sync/services/coalesce.py). The task deletes the row before it selects."""

    source_connector = models.CharField(max_length=100)
    object_type = models.CharField(max_length=32)
    entity_id = models.IntegerField()  # no foreign key: a marker must never block or be blocked by entity rows
    queued_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source_connector", "object_type", "entity_id"],
                                               name="pending_prepare_once")]  # fmt: skip

    def __str__(self) -> str:
        return f"prepare pending for {self.source_connector} {self.object_type} entity {self.entity_id}"
