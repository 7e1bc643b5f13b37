"""The ledger's tables. Append-only: rows are written by `apps.ledger.services` and never changed.

No foreign keys to other apps: the ledger is the bottom layer and its entries outlive the configuration rows they
mention, so connectors, flows, entities and documents are stored by their code/slug/key as text.
Immutability is enforced three times: here (save/delete/update refused), in database triggers (migration 0002),
and by the hash chain that `verify_ledger` recomputes.
"""

from django.db import models


class LedgerImmutableError(Exception):
    """An attempt to change or remove a ledger row through the ORM."""


class LedgerEntryDirection(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"
    INTERNAL = "internal", "Internal"
    AUDIT = "audit", "Audit"


class LedgerEntryOutcome(models.TextChoices):
    OK = "ok", "OK"
    REJECTED = "rejected", "Rejected"
    FAILED = "failed", "Failed"
    HELD = "held", "Held"
    DUPLICATE = "duplicate", "Duplicate"


class LedgerEntryActorType(models.TextChoices):
    USER = "user", "User"
    SERVICE = "service", "Service account"
    SYSTEM = "system", "System"


class AppendOnlyQuerySet(models.QuerySet):
    """Reads only: bulk changes raise instead of silently rewriting history."""

    def update(self, **kwargs):
        raise LedgerImmutableError(f"{self.model.__name__} rows are append-only; update() is refused.")

    def delete(self):
        raise LedgerImmutableError(f"{self.model.__name__} rows are append-only; delete() is refused.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise LedgerImmutableError(f"{self.model.__name__} rows are append-only; bulk_update() is refused.")

    def bulk_create(self, objs, *args, **kwargs):
        raise LedgerImmutableError("Ledger rows are written by apps.ledger.services.ledger_append only.")

    def update_or_create(self, *args, **kwargs):
        raise LedgerImmutableError(f"{self.model.__name__} rows are append-only; update_or_create() is refused.")

    def _append(self, objs: list) -> list:
        """The writer's insert (services only): a plain INSERT of new rows."""
        return super().bulk_create(objs)

    _append.queryset_only = False  # expose on the manager despite the leading underscore

    def _delete_archived(self):
        """Retention only: the database trigger still refuses rows without an archive record."""
        return super().delete()

    _delete_archived.queryset_only = False


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        raise LedgerImmutableError(
            f"{type(self).__name__} rows are append-only: use apps.ledger.services.ledger_append, never save()."
        )

    def delete(self, *args, **kwargs):
        raise LedgerImmutableError(f"{type(self).__name__} rows are append-only; delete() is refused.")


class LedgerEntry(AppendOnlyModel):
    """One fact: something came in, went out, happened inside, or was changed by someone."""

    sequence = models.BigIntegerField(primary_key=True, help_text="Gap-free position in the chain, from 1.")
    recorded_at = models.DateTimeField(db_index=True)
    direction = models.CharField(max_length=10, choices=LedgerEntryDirection.choices)
    kind = models.CharField(max_length=100, help_text="What happened, e.g. journal_entry.posted.")
    outcome = models.CharField(max_length=10, choices=LedgerEntryOutcome.choices, default=LedgerEntryOutcome.OK)
    entity = models.CharField(max_length=32, blank=True, help_text="Legal entity code.")
    connector = models.CharField(max_length=100, blank=True, help_text="Connector slug.")
    flow = models.CharField(max_length=100, blank=True, help_text="Flow slug.")
    source_system = models.CharField(max_length=100, blank=True)
    source_id = models.CharField(max_length=200, blank=True)
    document = models.CharField(max_length=200, blank=True, help_text="Document key (idempotency key).")
    target_model = models.CharField(max_length=100, blank=True, help_text="e.g. account.move")
    target_id = models.CharField(max_length=200, blank=True)
    actor_type = models.CharField(max_length=10, choices=LedgerEntryActorType.choices)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_name = models.CharField(max_length=150)
    correlation_id = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)
    payload_digest = models.CharField(max_length=64, help_text="SHA-256 of the canonical payload text.")
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-sequence"]
        verbose_name_plural = "ledger entries"
        constraints = [models.CheckConstraint(condition=models.Q(sequence__gte=1), name="ledger_sequence_positive")]
        # Every filter of the browser walks (field, sequence) backwards, so keyset pages stay short index scans.
        # Not direction: four values, each common, so the primary key walked backwards finds a page at once.
        indexes = [
            models.Index(fields=[name, "sequence"], name=f"ledger_{name[:12]}_seq")
            for name in (
                "kind",
                "outcome",
                "entity",
                "connector",
                "flow",
                "source_id",
                "document",
                "target_id",
                "actor_name",
                "correlation_id",
            )
        ]
        permissions = [
            ("view_all_entries", "Can see every ledger entry (auditors)"),
            ("view_transport_entries", "Can see transport, internal and audit entries (IT)"),
            ("export_entries", "Can export the ledger entries one can see as CSV"),
            ("download_evidence_pack", "Can download an evidence pack for a period"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.kind} ({self.outcome})"


class LedgerPayload(AppendOnlyModel):
    """An entry's payload as canonical JSON text; its SHA-256 is the entry's payload_digest.

    Kept apart from the entry so retention can move old payloads to an archive file (see LedgerArchivedPayload)
    while every entry, and thus the chain, stays in place.
    """

    entry = models.OneToOneField(
        LedgerEntry, primary_key=True, on_delete=models.DO_NOTHING, related_name="payload_row", db_column="sequence"
    )
    body = models.TextField()

    def __str__(self) -> str:
        return f"payload of #{self.entry_id}"


class LedgerArchivedPayload(AppendOnlyModel):
    """Tombstone: the payload of `sequence` was written to an archive file, listed by summary entry `summary`.

    The database lets a payload row be deleted only when its tombstone exists (trigger in migration 0002).
    """

    sequence = models.BigIntegerField(primary_key=True)
    summary_sequence = models.BigIntegerField()
    archive_file = models.CharField(max_length=255)

    def __str__(self) -> str:
        return f"payload of #{self.sequence} archived by #{self.summary_sequence}"
