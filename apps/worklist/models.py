"""The exception worklist: every document (or credential, or mapping) that could not flow, as one item a person
can understand, own and finish.

Fields only; the operations live in `apps.worklist.services` and the reads in `apps.worklist.selectors`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class WorklistCategory(models.TextChoices):
    MAPPING_MISSING = "mapping_missing", "Mapping missing"
    MASTER_DATA_MISSING = "master_data_missing", "Master data missing"
    CLOSED_PERIOD = "closed_period", "Closed period"
    INVALID_TAX = "invalid_tax", "Invalid tax"
    DUPLICATE_SUSPECTED = "duplicate_suspected", "Duplicate suspected"
    MISSING_RECEIPT = "missing_receipt", "Missing receipt"
    POLICY_VIOLATION = "policy_violation", "Policy violation"
    REJECTED_BY_ODOO = "rejected_by_odoo", "Rejected by Odoo"
    SCHEMA_INVALID = "schema_invalid", "Schema invalid"
    TRANSPORT = "transport", "Transport failure"
    AUTH_FAILURE = "auth_failure", "Authentication failure"
    CREDENTIAL_EXPIRING = "credential_expiring", "Credential expiring"
    DEAD_LETTER = "dead_letter", "Dead letter"
    # Opened by the scheduled reconciliation (apps.reporting) when received, ledger, Odoo and reporting disagree.
    RECONCILIATION_DIFFERENCE = "reconciliation_difference", "Reconciliation difference"


# Categories about connections rather than finance content: integration admins (IT) see and work these in
# every entity (see apps/worklist/roles.py).
TECHNICAL_CATEGORIES = frozenset(
    {WorklistCategory.TRANSPORT, WorklistCategory.AUTH_FAILURE, WorklistCategory.CREDENTIAL_EXPIRING}
)


class WorklistSeverity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}


class WorklistStatus(models.TextChoices):
    OPEN = "open", "Open"
    ASSIGNED = "assigned", "Assigned"
    SNOOZED = "snoozed", "Snoozed"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


ACTIVE_STATUSES = (WorklistStatus.OPEN, WorklistStatus.ASSIGNED, WorklistStatus.SNOOZED)
LISTED = ["open", "assigned"]  # what the worklist shows by default (snoozed items are hidden until they wake)


class WorklistResolution(models.TextChoices):
    RESOLVED = "resolved", "Resolved by hand"
    AUTO_RESOLVED = "auto_resolved", "Resolved by a later run"
    DUPLICATE = "duplicate", "Dismissed as duplicate"
    DISMISSED = "dismissed", "Dismissed"


class WorklistItem(models.Model):
    """One reason one subject (usually a document) cannot move on. At most one active item per subject and cause."""

    category = models.CharField(max_length=32, choices=WorklistCategory.choices)
    subject_key = models.CharField(
        max_length=400, help_text="What failed: a document's idempotency key, a credential or mapping key."
    )
    severity = models.CharField(max_length=16, choices=WorklistSeverity.choices, default=WorklistSeverity.MEDIUM)
    status = models.CharField(max_length=16, choices=WorklistStatus.choices, default=WorklistStatus.OPEN)
    message = models.CharField(max_length=500, help_text="What is wrong, in finance language.")
    detail = models.TextField(blank=True, help_text="Technical detail: Odoo's own text, the exception class.")
    stage = models.CharField(max_length=32, blank=True, help_text="Pipeline stage that failed, e.g. post.")
    entity = models.ForeignKey("entities.LegalEntity", null=True, blank=True, on_delete=models.PROTECT)
    document = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="worklist_items"
    )
    connector = models.CharField(max_length=100, blank=True)
    flow = models.CharField(max_length=100, blank=True)
    context = models.JSONField(default=dict, blank=True, help_text="Facts for the fix: employee, mapping key…")
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    # Routing: a single owner becomes the assignee; several candidates share the item until one claims it.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    routed_to = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    routed_via = models.CharField(max_length=100, blank=True, help_text="Who the item was routed to and why.")
    tags = models.CharField(max_length=500, blank=True, help_text="Comma-separated, stored as ',a,b,'.")
    due_date = models.DateField()
    attempts = models.PositiveIntegerField(default=1)
    corrections = models.JSONField(default=dict, blank=True, help_text="Validated fixes the pipeline applies.")
    snoozed_until = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=16, choices=WorklistResolution.choices, blank=True)
    resolution_note = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    duplicate_of_document = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_by_approval = models.CharField(max_length=100, blank=True, help_text="e.g. mappingset:12:v3")
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_key", "category"],
                condition=Q(status__in=["open", "assigned", "snoozed"]),
                name="worklist_one_active_item_per_subject_and_cause",
            ),
        ]
        # The list pages read open/assigned items in sort order, LIMIT 51: partial indexes on exactly that set let
        # PostgreSQL walk them in order and stop early instead of sorting every active item.
        indexes = [
            *[
                models.Index(fields=[name, "id"], name=f"worklist_active_{name[:8]}", condition=Q(status__in=LISTED))
                for name in ("due_date", "created_at", "amount")
            ],
            models.Index(fields=["entity", "category"], name="worklist_active_counts", condition=Q(status__in=LISTED)),
            models.Index(fields=["status", "due_date", "id"], name="worklist_status_due"),
            models.Index(fields=["entity", "status", "due_date"], name="worklist_entity_status_due"),
            models.Index(fields=["category", "status"], name="worklist_category_status"),
            models.Index(fields=["assignee", "status"], name="worklist_assignee_status"),
            models.Index(fields=["subject_key"], name="worklist_subject"),
        ]
        permissions = [
            ("work_worklistitem", "Can work on exception items (assign, comment, retry, correct, dismiss)"),
            ("handle_technical_worklistitem", "Can see and work on technical items (transport, auth) of any entity"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_category_display()}: {self.message[:60]}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(",") if tag]


class WorklistComment(models.Model):
    item = models.ForeignKey(WorklistItem, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment {self.pk} on item {self.item_id}"


class SavedFilter(models.Model):
    """A named worklist query string, private to its owner."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000, help_text="The worklist query string, e.g. category=transport.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="worklist_savedfilter_unique_name")]

    def __str__(self) -> str:
        return self.name


class BulkActionKind(models.TextChoices):
    RETRY = "retry", "Retry"
    ASSIGN = "assign", "Assign"
    DISMISS = "dismiss", "Dismiss"


class BulkActionStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class BulkAction(models.Model):
    """One bulk action over a snapshot of item ids, run by a background task that reports its progress here."""

    kind = models.CharField(max_length=16, choices=BulkActionKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    query = models.CharField(max_length=1000, blank=True, help_text="The filter the items were selected by.")
    item_ids = models.JSONField(default=list)
    params = models.JSONField(default=dict, blank=True, help_text="assignee id, note…")
    status = models.CharField(max_length=16, choices=BulkActionStatus.choices, default=BulkActionStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="The first failures: item id and message.")
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"bulk {self.kind} #{self.pk} ({self.done}/{self.total})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(self.done * 100 / self.total)


class ClosePeriod(models.Model):
    """One period of an entity's close calendar: items opened before the deadline are due by it."""

    entity = models.ForeignKey("entities.LegalEntity", on_delete=models.CASCADE, related_name="close_periods")
    period_end = models.DateField()
    close_deadline = models.DateField()

    class Meta:
        ordering = ["entity", "period_end"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "period_end"], name="worklist_closeperiod_unique"),
            models.CheckConstraint(
                condition=Q(close_deadline__gte=models.F("period_end")), name="worklist_close_after_period_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity_id}: period ending {self.period_end}, close by {self.close_deadline}"
