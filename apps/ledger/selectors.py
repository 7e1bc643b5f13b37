"""Reads of the ledger, always through the reader's scope (see apps/ledger/roles.py for who sees what).

Pagination is by keyset on `sequence` (never OFFSET): a page is `sequence < before` descending, or
`sequence > after` ascending then reversed; each page costs the same few queries at any depth.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from apps.access.permissions import can, entities_for
from apps.ledger.models import LedgerEntry, LedgerEntryDirection

LINEAGE_LIMIT = 500
VERIFIED_KIND = "ledger.verified"


def ledger_entry_scope(user) -> QuerySet:
    """Every entry the user may see: all (auditors), their entities' (finance), transport/ops/audit (IT)."""
    entries = LedgerEntry.objects.all()
    if not can(user, "ledger.view_ledgerentry"):
        return entries.none()
    if user.is_superuser or can(user, "ledger.view_all_entries"):
        return entries
    scope = Q(entity__in=list(entities_for(user).values_list("code", flat=True)))
    if can(user, "ledger.view_transport_entries"):
        scope |= ~Q(connector="") | Q(direction__in=[LedgerEntryDirection.INTERNAL, LedgerEntryDirection.AUDIT])
    return entries.filter(scope)


def _time_to_sequence(filters: dict) -> Q:
    """A time range as a sequence range: recorded_at never decreases along the chain (see services._chain)."""
    condition = Q()
    if "time_from" in filters:
        first = LedgerEntry.objects.filter(recorded_at__gte=filters["time_from"]).order_by("recorded_at", "sequence")
        first_sequence = first.values_list("sequence", flat=True).first()
        condition &= Q(sequence__gte=first_sequence) if first_sequence else Q(pk__in=[])
    if "time_to" in filters:
        after = LedgerEntry.objects.filter(recorded_at__gte=filters["time_to"]).order_by("recorded_at", "sequence")
        end_sequence = after.values_list("sequence", flat=True).first()
        condition &= Q(sequence__lt=end_sequence) if end_sequence else Q()
    return condition


def ledger_entry_filter(queryset: QuerySet, filters: dict) -> QuerySet:
    """Apply the browser's filters (as produced by LedgerFilterForm.filters())."""
    exact = {
        name: filters[name]
        for name in (
            "direction",
            "outcome",
            "kind",
            "entity",
            "connector",
            "flow",
            "source_id",
            "target_id",
            "correlation_id",
        )
        if name in filters
    }
    if "actor" in filters:
        exact["actor_name"] = filters["actor"]
    return queryset.filter(_time_to_sequence(filters), **exact)


@dataclass
class EntryPage:
    entries: list
    newer: int | None  # `after` cursor for the newer page, None when this is the newest
    older: int | None  # `before` cursor for the older page, None when this is the oldest


def ledger_entry_list(
    *, user, filters: dict, before: int | None = None, after: int | None = None, limit: int = 50
) -> EntryPage:
    """One keyset page of the user's entries matching `filters`, newest first."""
    entries = ledger_entry_filter(ledger_entry_scope(user), filters)
    if after is not None:
        rows = list(entries.filter(sequence__gt=after).order_by("sequence")[: limit + 1])
        more_newer, rows = len(rows) > limit, rows[:limit][::-1]
        return EntryPage(rows, rows[0].sequence if more_newer and rows else None, rows[-1].sequence if rows else None)
    if before is not None:
        entries = entries.filter(sequence__lt=before)
    rows = list(entries.order_by("-sequence")[: limit + 1])
    more_older, rows = len(rows) > limit, rows[:limit]
    newer = rows[0].sequence if before is not None and rows else None
    return EntryPage(rows, newer, rows[-1].sequence if more_older else None)


def ledger_entry_get(*, user, sequence: int) -> LedgerEntry:
    """The entry with its payload row, if the user may see it; raises LedgerEntry.DoesNotExist otherwise."""
    return ledger_entry_scope(user).select_related("payload_row").get(sequence=sequence)


def ledger_lineage(*, user, entry: LedgerEntry) -> list[LedgerEntry]:
    """Entries sharing the entry's document or correlation id, in chain order (received → … → published)."""
    related = Q()
    if entry.document:
        related |= Q(document=entry.document)
    if entry.correlation_id:
        related |= Q(correlation_id=entry.correlation_id)
    if not related:
        return [entry]
    return list(ledger_entry_scope(user).filter(related).order_by("sequence")[:LINEAGE_LIMIT])


def ledger_entry_export(*, user, filters: dict):
    """Iterator over the user's filtered entries with payloads, oldest first, streamed from the database."""
    entries = ledger_entry_filter(ledger_entry_scope(user), filters).select_related("payload_row")
    return entries.order_by("sequence").iterator(chunk_size=2000)


def ledger_verification_status() -> LedgerEntry | None:
    """The last recorded verification (kind ledger.verified) with its payload, or None if never verified."""
    return LedgerEntry.objects.filter(kind=VERIFIED_KIND).select_related("payload_row").order_by("-sequence").first()
