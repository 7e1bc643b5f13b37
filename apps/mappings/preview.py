"""Impact preview: what approving a version would change, computed from stored documents, not guessed.

The same documents are resolved twice by the pure engine — with the approved versions as they are, and with
the candidate added as if approved now — and the two resolutions are compared line by line. Replaying the
documents after the approval gives the same numbers (tests/mappings/test_preview.py proves it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from apps.access.permissions import AccessDenied
from apps.mappings import policies
from apps.mappings.engine import MappingContext, Resolution, resolve

PREVIEW_CATEGORIES = ("mapping_missing", "invalid_tax", "master_data_missing")
SETTLED_STATES = ("posting", "posted", "confirmed", "published", "rejected")
MAX_DOCUMENTS = 5000
FIELD_MODELS = {
    "employee_id": "hr.employee",
    "product_id": "product.product",
    "account_id": "account.account",
    "tax_ids": "account.tax",
    "analytic_distribution": "account.analytic.account",
    "journal_id": "account.journal",
    "currency_id": "res.currency",
    "partner_id": "res.partner",
    "department_id": "hr.department",
}


# --- pure comparison ---------------------------------------------------------------------------------------
def failure_labels(resolution: Resolution, line_id: str) -> list[str]:
    return sorted(
        f"{f.category}: {f.dimension} {f.source_value!r}" for f in resolution.failures if f.line_id == line_id
    )


def compare(before: Resolution, after: Resolution) -> list[dict]:
    """[{line_id, field, before, after}] for every resolved value or failure that differs (pure)."""
    changes = []
    old_lines = {line.line_id: line for line in before.lines}
    line_ids = [""] + [line.line_id for line in after.lines]
    for line in after.lines:
        old = old_lines.get(line.line_id)
        for name in FIELD_MODELS:
            was, now = getattr(old, name, None), getattr(line, name)
            if was != now:
                changes.append({"line_id": line.line_id, "field": name, "before": was, "after": now})
    for line_id in line_ids:
        was, now = failure_labels(before, line_id), failure_labels(after, line_id)
        if was != now:
            changes.append({"line_id": line_id, "field": "failures", "before": was, "after": now})
    return changes


def item_resolved_by(item_context: dict, category: str, after: Resolution) -> bool:
    """An open item is resolved when the candidate leaves no failure of its kind (dimension, value if known)."""
    dimension, value = item_context.get("dimension"), item_context.get("source_value")
    for failure in after.failures:
        if failure.category != category:
            continue
        if dimension and failure.dimension != dimension:
            continue
        if value is not None and failure.source_value.casefold() != str(value).casefold():
            continue
        return False
    return True


# --- the preview ---------------------------------------------------------------------------------------------
@dataclass
class DocumentImpact:
    document_id: int
    source_id: str
    state: str
    pending: bool
    changes: list[dict]
    ok_before: bool
    ok_after: bool


@dataclass
class ImpactPreview:
    days: int
    documents_considered: int = 0
    documents: list[DocumentImpact] = field(default_factory=list)
    open_items: int = 0
    items_resolved: list[int] = field(default_factory=list)
    truncated: bool = False
    unreadable: int = 0

    @property
    def changed_count(self) -> int:
        return len(self.documents)

    @property
    def pending_changed_count(self) -> int:
        return sum(1 for d in self.documents if d.pending)

    @property
    def newly_failing_count(self) -> int:
        return sum(1 for d in self.documents if d.ok_before and not d.ok_after)

    @property
    def newly_resolving_count(self) -> int:
        return sum(1 for d in self.documents if not d.ok_before and d.ok_after)

    def as_dict(self) -> dict:
        return {
            "days": self.days,
            "documents_considered": self.documents_considered,
            "documents_changed": self.changed_count,
            "pending_documents_changed": self.pending_changed_count,
            "documents_newly_failing": self.newly_failing_count,
            "documents_newly_resolving": self.newly_resolving_count,
            "open_items": self.open_items,
            "items_resolved": len(self.items_resolved),
            "item_ids_resolved": self.items_resolved,
            "truncated": self.truncated,
            "unreadable_documents": self.unreadable,
            "documents": [
                {
                    "id": d.document_id,
                    "source_id": d.source_id,
                    "state": d.state,
                    "pending": d.pending,
                    "changes": d.changes,
                }
                for d in self.documents
            ],
        }


def preview_documents(entity, days: int):
    """The stored documents a preview looks at: received in the last `days` days, plus any document with an
    open mapping-type worklist item (held documents can be older than the window)."""
    from django.db.models import Q

    from apps.documents.models import Document
    from apps.worklist.models import ACTIVE_STATUSES, WorklistItem

    since = timezone.now() - timedelta(days=days)
    held = WorklistItem.objects.filter(
        entity=entity, category__in=PREVIEW_CATEGORIES, status__in=ACTIVE_STATUSES, document__isnull=False
    ).values("document_id")
    return (
        Document.objects.filter(entity=entity)
        .filter(Q(received_at__gte=since) | Q(pk__in=held))
        .only("id", "source_id", "state", "canonical")
        .order_by("-received_at", "-id")
    )


def mapping_version_preview(*, version, actor, days: int = 30) -> ImpactPreview:
    """The impact of approving `version` on stored documents of its entity. Read-only.

    Permission: view on the set. `days` is clamped to 1…365; at most MAX_DOCUMENTS documents are replayed.
    """
    from apps.mappings.loader import mapping_context_load

    mapping_set = version.mapping_set
    if not policies.may(actor, policies.VIEW, mapping_set):
        raise AccessDenied(f"You may not see {mapping_set}.")
    days = max(1, min(int(days), 365))
    codes = [mapping_set.entity.code]
    current = mapping_context_load(codes)
    candidate = mapping_context_load(codes, candidate=version)
    return impact(mapping_set.entity, preview_documents(mapping_set.entity, days), current, candidate, days=days)


def impact(entity, documents, current: MappingContext, candidate: MappingContext, *, days: int) -> ImpactPreview:
    """Resolve each document with both contexts and collect the differences and the items resolved."""
    result = ImpactPreview(days=days)
    after_by_doc = _replay(documents, current, candidate, result)
    _count_items(entity, after_by_doc, result)
    return result


def _replay(documents, current, candidate, result: ImpactPreview) -> dict[int, Resolution]:
    from apps.documents.codec import from_json

    after_by_doc: dict[int, Resolution] = {}
    for document in documents[: MAX_DOCUMENTS + 1]:
        if result.documents_considered == MAX_DOCUMENTS:
            result.truncated = True
            break
        try:
            canonical = from_json(document.canonical)
        except (KeyError, TypeError, ValueError):  # not a canonical document we wrote: nothing to replay
            result.unreadable += 1
            continue
        result.documents_considered += 1
        before, after = resolve(canonical, current), resolve(canonical, candidate)
        after_by_doc[document.pk] = after
        changes = compare(before, after)
        if changes:
            pending = document.state not in SETTLED_STATES
            impact = DocumentImpact(
                document.pk, document.source_id, document.state, pending, changes, before.ok, after.ok
            )
            result.documents.append(impact)
    return after_by_doc


def _count_items(entity, after_by_doc: dict[int, Resolution], result: ImpactPreview) -> None:
    from apps.worklist.models import ACTIVE_STATUSES, WorklistItem

    items = WorklistItem.objects.filter(
        entity=entity, category__in=PREVIEW_CATEGORIES, status__in=ACTIVE_STATUSES, document_id__in=list(after_by_doc)
    ).values_list("pk", "category", "context", "document_id")
    for pk, category, context, document_id in items:
        result.open_items += 1
        if item_resolved_by(context or {}, category, after_by_doc[document_id]):
            result.items_resolved.append(pk)


FIELD_LABELS = {
    "employee_id": "Employee",
    "product_id": "Expense product",
    "account_id": "Account",
    "tax_ids": "Taxes",
    "analytic_distribution": "Analytic distribution",
    "journal_id": "Journal",
    "currency_id": "Currency",
    "partner_id": "Partner",
    "department_id": "Department",
    "failures": "Problems",
}


def display_names(context: MappingContext, entity_code: str, changes: list[dict]) -> list[dict]:
    """The changes as text people read: Odoo ids become cached names, lists and splits are spelled out."""
    master = context.master(entity_code)

    def label(model, odoo_id) -> str:
        record = master.get(model, odoo_id)
        return f"{record.name} (#{odoo_id})" if record else f"#{odoo_id}"

    def text(field_name, value) -> str:
        model = FIELD_MODELS.get(field_name)
        if value in (None, (), [], {}):
            return ""
        if field_name == "failures":
            return "; ".join(value)
        if isinstance(value, tuple):
            return ", ".join(label(model, v) for v in value)
        if isinstance(value, dict):
            return ", ".join(f"{label(model, k)} {format(v.normalize(), 'f')}%" for k, v in sorted(value.items()))
        return label(model, value)

    return [
        {
            **c,
            "label": FIELD_LABELS.get(c["field"], c["field"]),
            "before": text(c["field"], c["before"]),
            "after": text(c["field"], c["after"]),
        }
        for c in changes
    ]
