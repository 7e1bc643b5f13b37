"""Journal-entry posting mode: one `account.move` per document (and a reversal for a superseded revision).

    post_jobs(flow, gateway, jobs, outcome)    # facts once, payloads (pure), post_entries once, record each

Per batch: the facts (≤ 7 calls: journals, employees, their payables, the fallback payable, taxes and their
distribution, currencies), the reversals' originals (2 calls, only when there are some), and
posting.moves.post_entries (≤ 6 calls) — whatever the number of documents.
"""

from collections import defaultdict

from django.db import transaction

from apps.connectors.odoo.faults import OdooError
from apps.sync.posting import moves
from apps.sync.posting.facts import read_facts
from apps.sync.posting.journal import PayloadError, journal_entry, reversal_entry, reversal_line_fields
from apps.sync.posting.keys import reversal_key
from apps.sync.services.outcomes import Job, Posted, record_posted_many, record_refused, record_unbuildable

MODEL = "account.move"


def journal_code(flow, document) -> str:
    return flow.card_journal_code if document.object_type == "card_transaction" else flow.journal_code


def facts_for(gateway, flow, jobs: list[Job]):
    entity = jobs[0].document.entity
    lines = [r for job in jobs for r in job.resolution.lines]
    return read_facts(
        gateway, company_id=entity.odoo_company_id, company_currency=entity.currency,
        journal_codes={journal_code(flow, j.document) for j in jobs} | {flow.card_journal_code},
        employee_ids={r.employee_id for r in lines if r.employee_id},
        tax_ids={t for r in lines for t in r.tax_ids},
        currency_codes={line.currency for j in jobs for line in j.doc.lines},
    )  # fmt: skip


def reversal_plans(gateway, jobs: list[Job]) -> dict[int, object]:
    """{document pk: reversing entry plan} of previously posted revisions (their lines read in one call)."""
    originals = {j.reversal_of.odoo_ids[0]: j for j in jobs if j.reversal_of is not None}
    if not originals:
        return {}
    heads = {r["id"]: r for r in gateway.read(MODEL, list(originals), ["journal_id"])}
    lines = defaultdict(list)
    fields = reversal_line_fields(gateway.profile)  # taxes and analytics too: the reversal mirrors them
    for row in gateway.search_read("account.move.line", [["move_id", "in", list(originals)]], fields):
        lines[row["move_id"][0] if isinstance(row["move_id"], list) else row["move_id"]].append(row)
    return {originals[m].document.pk: reversal_entry(heads[m], lines[m], on=originals[m].on, profile=gateway.profile,
                                                     key=reversal_key(originals[m].reversal_of.idempotency_key))
            for m in originals if m in heads}  # fmt: skip


def build_plans(flow, gateway, jobs: list[Job], outcome) -> tuple[list, list[Job]]:
    """(entry plans, jobs that have one); a job whose entry cannot be built is held."""
    facts, profile = facts_for(gateway, flow, jobs), gateway.profile
    plans, ready = [], []
    for job in jobs:
        try:
            plans.append(journal_entry(job.doc, job.resolution, facts, profile, key=job.document.idempotency_key,
                                       journal_code=journal_code(flow, job.document), on=job.on,
                                       card_journal_code=flow.card_journal_code))  # fmt: skip
            ready.append(job)
        except (PayloadError, OdooError) as error:
            record_unbuildable(flow, job, outcome, error)
    return plans, ready


def post_jobs(flow, gateway, jobs: list[Job], outcome) -> None:
    plans, ready = build_plans(flow, gateway, jobs, outcome)
    reversals = reversal_plans(gateway, ready)
    results = moves.post_entries(gateway, list(reversals.values()) + plans)
    with transaction.atomic():  # one commit for the batch's outcomes (a crash here is recovered by look-up)
        _record_all(flow, ready, results, reversals, outcome)


def _record_all(flow, ready: list[Job], results, reversals, outcome) -> None:
    posted = []
    for job in ready:
        result = results[job.document.idempotency_key]
        reversal = results.get(reversals[job.document.pk].key) if job.document.pk in reversals else None
        failure = result.error or (reversal.error if reversal else None)
        if failure is not None or result.state != "posted":
            record_refused(flow, job, outcome, error=failure,
                           fallback=f"Odoo left {result.name or result.move_id} in state {result.state}.")  # fmt: skip
            continue
        extra = []
        if reversal is not None:
            extra.append({"kind": "journal_entry.reversed", "target_id": str(reversal.move_id),
                          "payload": {"reversed_document": job.reversal_of.idempotency_key, "name": reversal.name,
                                      "existed": reversal.existed}})  # fmt: skip
        posted.append(Posted(job, MODEL, [result.move_id], "journal_entry.posted",
                             {"name": result.name, "date": result.date}, result.existed, extra))  # fmt: skip
    record_posted_many(flow, posted, outcome)
