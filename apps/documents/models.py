"""Documents: one row per received revision of an expense report or card transaction.

The canonical document itself is kept whole in `canonical` (see apps.documents.codec); the columns and the
DocumentLine rows repeat what is needed to query, report and scope by entity. Writes go through
apps.documents.services (receive, transition, claim) — never `save()` from elsewhere.
"""

from django.db import models
from django.db.models import Q

from apps.documents.states import DocumentState, Stage


class DocumentType(models.TextChoices):
    EXPENSE_REPORT = "expense_report", "Expense report"
    CARD_TRANSACTION = "card_transaction", "Card transaction"


class DocumentPaymentMode(models.TextChoices):
    EMPLOYEE = "employee", "Paid by the employee"
    COMPANY = "company", "Paid by the company"


class Document(models.Model):
    # Where it came from. Connector slug as a string keeps this app below `connectors` (no import cycle).
    source_connector = models.CharField(max_length=100, help_text="Connector slug.")
    source_system = models.CharField(max_length=50, help_text="expensify, concur, generic, file, …")
    object_type = models.CharField(max_length=32, choices=DocumentType.choices)
    source_id = models.CharField(max_length=200, help_text="The platform's id of the report or transaction.")
    source_revision = models.PositiveIntegerField(default=1)
    idempotency_key = models.CharField(
        max_length=200, help_text="connector:object type:source id:revision — posted at most once (doc_key)."
    )
    previous_revision = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_revisions"
    )

    entity = models.ForeignKey("entities.LegalEntity", on_delete=models.PROTECT, related_name="documents")
    employee_email = models.CharField(max_length=254, blank=True)
    employee_name = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=300, blank=True)
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=20, decimal_places=4)
    line_count = models.PositiveIntegerField(default=0)
    approved_at = models.DateTimeField(null=True, blank=True)
    canonical = models.JSONField(help_text="The canonical document (apps.documents.codec.to_json).")

    state = models.CharField(max_length=16, choices=DocumentState.choices, default=DocumentState.RECEIVED)
    state_reason = models.TextField(blank=True, help_text="Why it was held, rejected or dead-lettered.")
    failed_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Posting attempts so far.")
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="Earliest retry after a transient fault.")
    odoo_model = models.CharField(max_length=64, blank=True, help_text="e.g. account.move or hr.expense.sheet")
    odoo_ids = models.JSONField(default=list, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    correlation_id = models.CharField(max_length=64, blank=True)

    received_at = models.DateTimeField(auto_now_add=True)
    state_changed_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        # Every state change writes a new entry in every index of this table (the indexed state and updated_at
        # change, so PostgreSQL cannot update in place): an index another one covers costs writes and helps no
        # read. The source's revisions are found through doc_source_revision (its leading columns); the unique
        # key is a plain index (a field's unique=True or db_index=True would add a second, pattern-matching index
        # on PostgreSQL that no query here uses); suspected duplicates are found through the lines' match key, not
        # the employee's e-mail. tests/documents/test_indexes.py.
        indexes = [
            models.Index(fields=["state", "entity"], name="doc_state_entity"),
            # The reporting publication reads changes by watermark: updated_at > mark ORDER BY updated_at, id.
            models.Index(fields=["updated_at", "id"], name="doc_updated"),
            # What a webhook task waits for and then prepares: documents still `received` of its source, type and
            # entity. Partial: a document enters it once, at intake, and leaves with its first state change.
            models.Index(
                fields=["source_connector", "object_type", "entity"], condition=Q(state="received"), name="doc_received"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="doc_key"),
            models.UniqueConstraint(
                fields=["source_connector", "object_type", "source_id", "source_revision"], name="doc_source_revision"
            ),
        ]
        permissions = [("import_document", "Can upload expense files (CSV/XLSX)")]

    def __str__(self) -> str:
        return f"{self.get_object_type_display()} {self.source_id} r{self.source_revision}"

    @property
    def canonical_document(self):
        from apps.documents.codec import from_json

        return from_json(self.canonical)


class DocumentLine(models.Model):
    """One expense line, flattened for querying and reporting (the canonical JSON stays the reference)."""

    # Its index is docline_unique_id's leading column.
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="lines", db_index=False)
    position = models.PositiveIntegerField()
    line_id = models.CharField(max_length=200)
    date = models.DateField()
    amount = models.DecimalField(max_digits=20, decimal_places=4)
    currency = models.CharField(max_length=3)
    category = models.CharField(max_length=200)
    tax_code = models.CharField(max_length=100, blank=True)
    tax_amount = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    project = models.CharField(max_length=200, blank=True)
    cost_centre = models.CharField(max_length=200, blank=True)
    department = models.CharField(max_length=200, blank=True)
    merchant = models.CharField(max_length=300, blank=True)
    receipt = models.BooleanField(default=False)
    receipt_url = models.URLField(max_length=1000, blank=True)
    payment_mode = models.CharField(max_length=16, choices=DocumentPaymentMode.choices)
    card_transaction_id = models.CharField(max_length=200, blank=True)
    # The suspected-duplicate key (employee, date, amount, merchant): apps/documents/match_keys.py.
    match_key = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["document", "position"]
        constraints = [models.UniqueConstraint(fields=["document", "line_id"], name="docline_unique_id")]
        # The suspected-duplicate policy looks every mapped line's key up (docline_match_key); reporting selects
        # lines by date (docline_date_amount).
        indexes = [
            models.Index(fields=["match_key"], name="docline_match_key"),
            models.Index(fields=["date", "amount"], name="docline_date_amount"),
            models.Index(fields=["card_transaction_id"], name="docline_card_transaction"),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} {self.amount} {self.currency}"
