"""Replay a dead-lettered or already posted document from the worklist (registered with apps.worklist.redrive).

A replay always starts as a dry run: the Odoo payload that would be sent and what Odoo already holds under the
document's idempotency key. Executing it re-drives a dead-lettered or held document from its failed stage (the
poster looks the key up in Odoo before any create), and for a posted document it only confirms that Odoo still
holds the entry: a replay never posts a document twice.
"""

from django.db import transaction

from apps.documents.states import DocumentState as S
from apps.ledger.models import LedgerEntryDirection, LedgerEntryOutcome
from apps.ledger.services import ledger_append
from apps.sync.services.dryrun import documents_dry_run
from apps.sync.services.redrive import RESTARTABLE, document_redrive
from apps.sync.services.runs import flow_for_document
from apps.worklist.redrive import RedriveResult

POSTED_STATES = (S.POSTED, S.CONFIRMED, S.PUBLISHED)
IN_ODOO = ("already in Odoo", "continue in Odoo")


def document_replay(item, *, actor, dry_run: bool = True) -> RedriveResult:
    document = item.document
    if document is None:
        return RedriveResult(ok=False, message="This item has no document to replay.")
    document.refresh_from_db()
    if document.state not in (*RESTARTABLE, *POSTED_STATES):
        return RedriveResult(ok=False, message=f"The document is {document.get_state_display().lower()}; only a "
                             "dead-lettered, held or posted document can be replayed.")  # fmt: skip
    flow = flow_for_document(document)
    if flow is None:
        return RedriveResult(ok=False, message="No enabled flow moves this document any more; enable its flow "
                             "before replaying it.")  # fmt: skip
    plan = documents_dry_run(flow, [document])
    diff = [_diff_row(row) for row in plan]
    if dry_run:
        return RedriveResult(ok=True, message=_summary(document, plan), diff=diff)
    if document.state in RESTARTABLE:
        return document_redrive(item, actor=actor, dry_run=False)
    return _confirm_posted(document, plan, actor=actor, flow=flow, diff=diff)


def _confirm_posted(document, plan, *, actor, flow, diff) -> RedriveResult:
    """A posted document: nothing is created. Odoo still holding it is recorded as a duplicate replay; Odoo no
    longer holding it is a reconciliation difference for a person to decide, never an automatic second post."""
    held = [row for row in plan if row.get("action") in IN_ODOO]
    outcome = LedgerEntryOutcome.DUPLICATE if held else LedgerEntryOutcome.REJECTED
    with transaction.atomic():
        ledger_append(kind="document.replayed", direction=LedgerEntryDirection.INTERNAL, outcome=outcome,
                      actor=actor, entity=document.entity.code, connector=document.source_connector,
                      flow=flow.slug, source_id=document.source_id, document=document.idempotency_key,
                      target_model=document.odoo_model, target_id=",".join(map(str, document.odoo_ids)),
                      payload={"plan": diff})  # fmt: skip
    if held:
        return RedriveResult(ok=True, diff=diff, message="Odoo already holds this document's entry; the replay "
                             "posted nothing again.")  # fmt: skip
    return RedriveResult(ok=False, diff=diff, message="Odoo no longer holds this posted document's entry. The "
                         "console does not post a posted document a second time on its own: check the entry in "
                         "Odoo and the reconciliation for this period.")  # fmt: skip


def _summary(document, plan) -> str:
    actions = sorted({row.get("action", "") for row in plan}) or ["nothing to send"]
    return f"Dry run for {document.idempotency_key}: {', '.join(actions)}. Nothing was sent."


def _diff_row(row: dict) -> dict:
    existing = row.get("existing")
    return {"field": row.get("report") or row.get("document"), "before": existing or "not in Odoo",
            "after": row.get("problems") or row.get("action")}  # fmt: skip
