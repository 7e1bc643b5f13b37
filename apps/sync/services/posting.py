"""The post stage for a batch of mapped documents of one flow: claim, decide, build, post once, record.

    outcome = documents_post(flow=flow, document_ids=[…], run=None)   # -> BatchOutcome (counts)

- Claim: mapped → posting by compare-and-set; a document another worker holds is skipped (counted).
- Per entity: one mapping context, one read of Odoo facts, one exactly-once post of the whole batch in the
  flow's posting mode (journal entries: services.journal_mode; Odoo expense flow: services.expense_mode).
- Closed periods: the flow's policy decides (hold / post on the first open date / reject) before Odoo does.
- A newer revision of a posted document: reversal + new entry, or a worklist item (flow.revision_policy); one
  whose earlier revision is still being posted (or waits to post again) waits for it.
- Card spend: a card transaction and a report line paid with that card post the spend once (services.cards).
- Faults: validation → held with a worklist item carrying Odoo's text; transient → released with backoff or
  dead-lettered; auth → the connector is marked and the documents wait in `mapped` (no attempt consumed).
Each document's state change, its ledger entries and its worklist items commit in one transaction.
"""

from collections import defaultdict
from dataclasses import replace
from datetime import date

from apps.connectors.odoo.faults import OdooAuthError, OdooError, TransientOdooError
from apps.connectors.services.health import connector_is_paused, connector_mark_auth_failed
from apps.documents.models import Document
from apps.documents.services import document_claim_many
from apps.documents.states import DocumentState as S
from apps.mappings.engine import resolve
from apps.mappings.loader import mapping_context_load
from apps.sync.services import expense_mode, holds, journal_mode, periods
from apps.sync.services.cards import card_spend_claim
from apps.sync.services.gateway import gateway_for
from apps.sync.services.outcomes import ODOO_KIND_CATEGORY, BatchOutcome, Job, record_settled_by_match
from apps.worklist.selectors import worklist_posting_dates

__all__ = ["BatchOutcome", "Job", "documents_post", "posting_date"]
POSTED_STATES = (S.POSTED, S.CONFIRMED, S.PUBLISHED)
MODES = {"journal_entry": journal_mode, "expense": expense_mode}


def posting_date(doc) -> date:
    """The accounting date of a document: its latest line date (the report is complete then)."""
    return max(line.date for line in doc.lines)


def documents_post(*, flow, document_ids: list[int], run=None, prepared: dict | None = None) -> BatchOutcome:
    """Post the given documents of `flow` (those still `mapped`), in batches of flow.batch_size per entity.

    `prepared`: {id: (decoded document, resolution)} from the task's own prepare stage (pipeline.documents_prepare
    `resolved`), moments earlier: those documents post with the resolution they were mapped with; the others
    are decoded and resolved against the mappings as they are now."""
    outcome = BatchOutcome()
    if connector_is_paused(flow.target):
        for doc_id in document_ids:
            outcome.note(doc_id, "waiting", "The target connector is paused.")
        return outcome
    # One compare-and-set for the batch's claims, in one transaction with their ledger entries (the ledger lock
    # first, then the rows in id order: two workers claiming overlapping batches cannot deadlock).
    claimed = document_claim_many(sorted(set(document_ids)), S.MAPPED, S.POSTING, flow=flow.slug)
    for doc_id in set(document_ids) - {d.pk for d in claimed}:
        outcome.note(doc_id, "duplicate", "Another worker has it, or it is no longer waiting to post.")
    by_entity = defaultdict(list)
    for document in claimed:
        by_entity[document.entity.code].append(document)
    prepared = prepared or {}
    for code, documents in sorted(by_entity.items()):
        # Read only for documents the task did not resolve itself moments ago.
        context = None if all(d.pk in prepared for d in documents) else mapping_context_load([code])
        for start in range(0, len(documents), flow.batch_size):
            _post_batch(flow, documents[start : start + flow.batch_size], context, outcome, prepared)
    return outcome


def _post_batch(flow, documents: list[Document], context, outcome: BatchOutcome, prepared: dict) -> None:
    try:
        jobs = _plan_jobs(flow, documents, context, outcome, prepared)
        if jobs:
            gateway = gateway_for(flow.target)
            calls = gateway.call_count
            try:
                MODES[flow.posting_mode].post_jobs(flow, gateway, jobs, outcome)
            finally:  # the gateway counts its own server calls (this thread's gateway: nobody else's calls)
                outcome.calls += gateway.call_count - calls
    except OdooAuthError as error:
        connector_mark_auth_failed(connector=flow.target, message=error.message, actor=holds.ACTOR)
        reason = f"Paused: {error.message}"[:300]
        _release(documents, outcome, lambda d: holds.release_waiting(d, reason=reason, flow=flow.slug), "waiting")
    except (TransientOdooError, OdooError) as error:  # unknown faults retry too, then dead-letter
        fault = error
        _release(documents, outcome, lambda d: holds.release_for_retry(
            d, error=fault, max_attempts=flow.max_attempts, flow=flow.slug), "retry")  # fmt: skip


def _release(documents, outcome, action, label) -> None:
    for document in documents:
        document.refresh_from_db()
        if document.state != S.POSTING:
            continue  # already settled in this batch
        state = action(document)
        outcome.note(document.pk, "failed" if state == S.DEAD_LETTER else label, document.state_reason)


def _plan_jobs(flow, documents, context, outcome, prepared: dict) -> list[Job]:
    """Resolve, apply the closed-period, card and revision policies; park what cannot post."""
    jobs = []
    chosen = worklist_posting_dates([d.pk for d in documents])  # dates controllers chose on closed-period items
    for document in documents:
        job = _plan_one(flow, document, context, outcome, chosen.get(document.pk), prepared.get(document.pk))
        if job is not None:
            jobs.append(job)
    return jobs


def _plan_one(flow, document: Document, context, outcome, chosen: date | None = None, prepared=None) -> Job | None:
    unsettled = _previous_unsettled(document)
    if unsettled is not None:  # it may still post: posting this one now could leave both in Odoo, unreversed
        message = (f"Waits for revision {unsettled.source_revision} of {document.source_id} to finish posting "
                   "first (then this revision follows the flow's revision policy).")  # fmt: skip
        holds.release_waiting(document, reason=message, flow=flow.slug)
        outcome.note(document.pk, "waiting", message)
        return None
    if prepared is not None:
        doc, resolution = prepared
    else:
        doc = document.canonical_document
        resolution = resolve(doc, context)
    if resolution.failures:
        items = [{"category": ODOO_KIND_CATEGORY.get(f.category, f.category), "message": f.message,
                  "subject_key": f.subject_key, "context": {"dimension": f.dimension, "source_value": f.source_value,
                                                            "line_id": f.line_id}}
                 for f in resolution.failures]  # fmt: skip
        holds.hold(document, stage="map", items=items, flow=flow.slug)
        outcome.note(document.pk, "held", items[0]["message"])
        return None
    job = Job(document, doc, resolution, posting_date(doc))
    if not _apply_card_matches(flow, job, outcome):
        return None
    decision = periods.decide(document.entity, chosen or posting_date(job.doc), policy=flow.closed_period_policy,
                              has_taxes=any(r.tax_ids for r in job.resolution.lines))  # fmt: skip
    if chosen and decision.action == "post" and decision.redated_from is None and chosen != posting_date(job.doc):
        decision = replace(
            decision,
            redated_from=posting_date(job.doc),
            message=f"Posted on {chosen.isoformat()}, the date chosen on its worklist item.",
        )
    if decision.action == "hold":
        holds.hold(document, stage="post", flow=flow.slug, items=[{"category": "closed_period",
                                                                  "message": decision.message}])  # fmt: skip
        outcome.note(document.pk, "held", decision.message)
        return None
    if decision.action == "reject":
        holds.reject(document, stage="post", reason=decision.message, flow=flow.slug)
        outcome.note(document.pk, "rejected", decision.message)
        return None
    job.on, job.redated_from, job.note = decision.date, decision.redated_from, decision.message
    previous = _posted_previous(document)
    if previous is not None and flow.revision_policy == "worklist":
        message = (f"Revision {document.source_revision} of {document.source_id} arrived after revision "
                   f"{previous.source_revision} was posted ({previous.odoo_model} {previous.odoo_ids}).")  # fmt: skip
        holds.hold(document, stage="post", flow=flow.slug, items=[{"category": "policy_violation",
                                                                  "message": message}])  # fmt: skip
        outcome.note(document.pk, "held", message)
        return None
    job.reversal_of = previous
    return job


def _apply_card_matches(flow, job: Job, outcome) -> bool:
    """Leave out the lines whose card spend another document posts; False when nothing is left to post."""
    job.matched = card_spend_claim(job.document, job.doc)
    if not job.matched:
        return True
    matched = {m.line_id for m in job.matched}
    lines = tuple(line for line in job.doc.lines if line.id not in matched)
    if not lines:
        record_settled_by_match(flow, job, outcome)
        return False
    job.doc = replace(job.doc, lines=lines)
    job.resolution = replace(job.resolution, lines=tuple(r for r in job.resolution.lines if r.line_id not in matched))
    return True


def _previous_unsettled(document: Document) -> Document | None:
    """An earlier revision being posted (another lane or worker has it) or waiting to post again (released for a
    retry): it was past `mapped` when this revision arrived, so intake could not supersede it."""
    if document.previous_revision_id is None:
        return None
    previous = Document.objects.filter(pk=document.previous_revision_id).first()  # now, not as claimed
    while previous is not None and previous.state not in POSTED_STATES:
        if previous.state in (S.MAPPED, S.POSTING):
            return previous
        previous = previous.previous_revision
    return None


def _posted_previous(document: Document) -> Document | None:
    previous = document.previous_revision
    while previous is not None and previous.state not in POSTED_STATES:
        previous = previous.previous_revision
    return previous if previous is not None and previous.odoo_ids else None
