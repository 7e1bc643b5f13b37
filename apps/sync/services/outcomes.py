"""What a posting batch carries and how each document's result is recorded (shared by both posting modes).

- `BatchOutcome`: counts and per-document outcomes of a batch (what the run page shows).
- `Job`: one claimed document ready to post (its resolution, date, and what it reverses or leaves out).
- `record_posted` / `record_refused`: the document's final state for this attempt, its ledger entries and its
  worklist item, in one transaction.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from apps.documents.models import Document
from apps.documents.services import document_transition
from apps.documents.states import DocumentState as S
from apps.ledger.services import ledger_append
from apps.sync.services import holds

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


def record_posted(flow, job: Job, outcome: BatchOutcome, *, model: str, ids: list[int], kind: str, payload: dict,
                  existed: bool, extra: list[dict] = ()) -> None:  # fmt: skip
    """The document is in Odoo and posted: ledger entries (`extra` first) and the transition, together."""
    document = job.document
    common = ledger_common(flow, document, model)
    with transaction.atomic():
        for entry in extra:
            ledger_append(direction="outbound", **common | entry)
        if job.matched:
            payload = {**payload, "card_matches": _matches_payload(job)}
        ledger_append(kind=kind, direction="outbound", target_id=",".join(str(i) for i in ids),
                      outcome="duplicate" if existed else "ok", reason=job.note,
                      payload={**payload, "existed": existed,
                               "redated_from": job.redated_from.isoformat() if job.redated_from else None},
                      **common)  # fmt: skip
        document_transition(document, S.POSTED, actor=holds.ACTOR, flow=flow.slug, odoo_model=model,
                            odoo_ids=list(ids), reason=job.note)  # fmt: skip
    outcome.lines += len(job.doc.lines)
    outcome.note(document.pk, "posted", str(payload.get("name") or ids))


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
