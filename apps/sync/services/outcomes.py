"""What a posting batch carries and how each document's result is recorded (shared by both posting modes).

- `BatchOutcome`: counts and per-document outcomes of a batch (what the run page shows).
- `Job`: one claimed document ready to post (its resolution, date, and what it reverses or leaves out).
- `record_posted_many` / `record_refused`: the documents' final state for this attempt, their ledger entries and
  worklist items, in one transaction (a batch's postings with one compare-and-set).
"""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from apps.documents.models import Document
from apps.documents.services import document_transition, documents_transition_many
from apps.documents.states import DocumentState as S
from apps.ledger.services import ledger_append
from apps.sync.services import holds
from apps.worklist.models import ACTIVE_STATUSES, WorklistItem
from apps.worklist.services import worklist_items_resolve_for_document

ODOO_KIND_CATEGORY = {"closed_period": "closed_period", "invalid_tax": "invalid_tax",
                      "missing_record": "master_data_missing"}  # fmt: skip


@dataclass
class BatchOutcome:
    posted: int = 0
    duplicates: int = 0  # found already posted in Odoo (an earlier attempt), or claimed by another worker
    held: int = 0
    failed: int = 0
    retry: int = 0
    waiting: int = 0
    lines: int = 0
    calls: int = 0
    per_document: dict[int, tuple[str, str]] = field(default_factory=dict)

    def note(self, document_id: int, outcome: str, message: str = "") -> None:
        self.per_document[document_id] = (outcome, message[:500])
        attr = {"posted": "posted", "duplicate": "duplicates", "held": "held", "rejected": "failed",
                "failed": "failed", "retry": "retry", "waiting": "waiting"}[outcome]  # fmt: skip
        setattr(self, attr, getattr(self, attr) + 1)


@dataclass
class Job:
    document: Document
    doc: object  # CanonicalDocument (only the lines this document posts itself)
    resolution: object
    on: date
    redated_from: date | None = None
    note: str = ""
    reversal_of: Document | None = None
    matched: list = field(default_factory=list)  # cards.CardMatch: lines whose spend another document posts


def ledger_common(flow, document: Document, target_model: str) -> dict:
    return {"entity": document.entity.code, "connector": flow.target.slug, "flow": flow.slug,
            "document": document.idempotency_key, "source_id": document.source_id,
            "source_system": document.source_system, "target_model": target_model}  # fmt: skip


def _matches_payload(job: Job) -> list[dict]:
    return [{"line": m.line_id, "card_transaction": m.card_transaction_id, "posted_by": m.owner.idempotency_key}
            for m in job.matched]  # fmt: skip


@dataclass
class Posted:
    """A job Odoo holds, posted: what its ledger entry says (`extra`: entries written just before it)."""

    job: Job
    model: str
    ids: list[int]
    kind: str
    payload: dict
    existed: bool
    extra: list[dict] = field(default_factory=list)


def record_posted_many(flow, posted: list[Posted], outcome: BatchOutcome) -> None:
    """The documents are in Odoo and posted: for each, its ledger entries (`extra` first, then the posting, then
    the state change); for the batch, one compare-and-set posting → posted — all in one transaction. A document
    another worker settled meanwhile (its posting lease ran out) is left to it: that worker looks its key up in
    Odoo and finds the same record."""
    if not posted:
        return
    per_document = {}
    for item in posted:
        job, document = item.job, item.job.document
        common = ledger_common(flow, document, item.model)
        payload = {**item.payload, "card_matches": _matches_payload(job)} if job.matched else item.payload
        entries = [{"direction": "outbound", **common | entry} for entry in item.extra]
        entries.append({"kind": item.kind, "direction": "outbound", "target_id": ",".join(str(i) for i in item.ids),
                        "outcome": "duplicate" if item.existed else "ok", "reason": job.note,
                        "payload": {**payload, "existed": item.existed,
                                    "redated_from": job.redated_from.isoformat() if job.redated_from else None},
                        **common})  # fmt: skip
        per_document[document.pk] = {"reason": job.note, "odoo_model": item.model, "odoo_ids": list(item.ids),
                                     "entries_before": entries}  # fmt: skip
    with transaction.atomic():
        documents = [item.job.document for item in posted]
        moved, stale = documents_transition_many(documents, S.POSTED, actor=holds.ACTOR, flow=flow.slug,
                                                 per_document=per_document)  # fmt: skip
        # Whatever worklist items named a posted document no longer block anything: resolved in the same
        # transaction (one look-up for the batch; most documents never had one).
        for document in _with_active_items(moved):
            worklist_items_resolve_for_document(document=document, actor=holds.ACTOR, note="Posted.")
    stale_ids = {document.pk for document in stale}
    for item in posted:
        if item.job.document.pk in stale_ids:
            outcome.note(item.job.document.pk, "duplicate", "Another worker settled it meanwhile.")
            continue
        outcome.lines += len(item.job.doc.lines)
        outcome.note(item.job.document.pk, "posted", str(item.payload.get("name") or item.ids))


def _with_active_items(documents: list[Document]) -> list[Document]:
    ids = set(WorklistItem.objects.filter(document__in=[d.pk for d in documents], status__in=ACTIVE_STATUSES)
              .values_list("document_id", flat=True))  # fmt: skip
    return [d for d in documents if d.pk in ids]


def record_settled_by_match(flow, job: Job, outcome: BatchOutcome) -> None:
    """Every line's spend is posted by another document: nothing to post; the match is the outcome."""
    document = job.document
    owners = sorted({m.owner.idempotency_key for m in job.matched})
    reason = f"Nothing to post: the card spend is posted with {', '.join(owners)}."
    posted_by = [m.owner for m in job.matched if m.owner.state in (S.POSTED, S.CONFIRMED, S.PUBLISHED)]
    with transaction.atomic():
        ledger_append(kind="card_transaction.matched", direction="internal", reason=reason,
                      payload={"card_matches": _matches_payload(job)},
                      **ledger_common(flow, document, posted_by[0].odoo_model if posted_by else ""))  # fmt: skip
        document_transition(document, S.POSTED, actor=holds.ACTOR, flow=flow.slug, reason=reason,
                            odoo_model=posted_by[0].odoo_model if posted_by else "",
                            odoo_ids=posted_by[0].odoo_ids if posted_by else [])  # fmt: skip
        worklist_items_resolve_for_document(document=document, actor=holds.ACTOR, note=reason)
    outcome.note(document.pk, "posted", reason)


def record_refused(flow, job: Job, outcome: BatchOutcome, *, error, fallback: str) -> None:
    """Odoo refused (or left the record unposted): held at `post` with Odoo's own words."""
    document = job.document
    message = getattr(error, "message", None) or (str(error) if error else fallback)
    category = ODOO_KIND_CATEGORY.get(getattr(error, "kind", None), "rejected_by_odoo")
    holds.hold(document, stage="post", flow=flow.slug, items=[{"category": category, "detail": message,
               "message": f"Odoo refused {document.source_id}: {message}"[:500]}])  # fmt: skip
    outcome.note(document.pk, "held", message)


def record_unbuildable(flow, job: Job, outcome: BatchOutcome, error) -> None:
    """The payload cannot be built from the data (no account, no journal…): held for a human fix."""
    category = getattr(error, "category", None) or ODOO_KIND_CATEGORY.get(getattr(error, "kind", None),
                                                                           "master_data_missing")  # fmt: skip
    holds.hold(job.document, stage="post", flow=flow.slug, items=[{"category": category, "message": str(error)}])
    outcome.note(job.document.pk, "held", str(error))
