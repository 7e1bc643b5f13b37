"""Expense-flow posting mode: `hr.expense` lines and their report, submitted, approved and posted in Odoo.

    post_jobs(flow, gateway, jobs, outcome)    # facts once, plans (pure), post_reports once, record each

A document is posted when every report made from it (one per payment mode) is posted with its journal
entries; the document then points at its report(s) (`hr.expense.sheet` on 11–18, `hr.expense` on 19).
"""

from django.db import transaction

from apps.connectors.odoo.faults import OdooError
from apps.sync.posting.expense import PayloadError, expense_plans
from apps.sync.posting.facts import read_facts
from apps.sync.posting.sheets import EXPENSE, post_reports
from apps.sync.services.outcomes import Job, Posted, record_posted_many, record_refused, record_unbuildable


def facts_for(gateway, jobs: list[Job]):
    """Taxes (their rates: 11 and 16 take net amounts) and foreign currencies; one or two calls."""
    entity = jobs[0].document.entity
    lines = [r for job in jobs for r in job.resolution.lines]
    return read_facts(gateway, company_id=entity.odoo_company_id, company_currency=entity.currency, payable=False,
                      tax_ids={t for r in lines for t in r.tax_ids},
                      currency_codes={line.currency for j in jobs for line in j.doc.lines})  # fmt: skip


def post_jobs(flow, gateway, jobs: list[Job], outcome) -> None:
    if any(job.reversal_of is not None for job in jobs):
        jobs = _hold_revisions(flow, jobs, outcome)
    facts, profile = facts_for(gateway, jobs) if jobs else None, gateway.profile
    plans, ready = {}, []
    for job in jobs:
        try:
            plans[job.document.pk] = expense_plans(job.doc, job.resolution, facts, profile,
                                                   key=job.document.idempotency_key)  # fmt: skip
            ready.append(job)
        except (PayloadError, OdooError) as error:
            record_unbuildable(flow, job, outcome, error)
    results = post_reports(gateway, [p for job in ready for p in plans[job.document.pk]])
    with transaction.atomic():  # one commit for the batch's outcomes (a crash here is recovered by look-up)
        _record_all(flow, profile, ready, plans, results, outcome)


def _record_all(flow, profile, ready: list[Job], plans, results, outcome) -> None:
    model = profile.expense_flow.report_model or EXPENSE
    posted = []
    for job in ready:
        mine = [results[p.key] for p in plans[job.document.pk]]
        failed = next((r for r in mine if not r.posted), None)
        if failed is not None:
            record_refused(flow, job, outcome, error=failed.error,
                           fallback=f"Odoo left expense report {failed.report_id or failed.expense_ids} in state "
                                    f"{failed.state or 'unknown'} without a posted journal entry.")  # fmt: skip
            continue
        ids = [r.report_id for r in mine] if model != EXPENSE else [i for r in mine for i in r.expense_ids]
        posted.append(Posted(job, model, ids, "expense_report.posted",
                             {"name": ", ".join(r.key for r in mine), "states": [r.state for r in mine],
                              "move_ids": [m for r in mine for m in r.move_ids]},
                             existed=all(r.existed for r in mine)))  # fmt: skip
    record_posted_many(flow, posted, outcome)


def _hold_revisions(flow, jobs: list[Job], outcome) -> list[Job]:
    """A newer revision of a report already posted through Odoo's expense flow is held for a human: reversing
    an expense report's entries is a decision taken in Odoo (refuse / reverse), not by the console."""
    from apps.sync.services import holds

    kept = []
    for job in jobs:
        if job.reversal_of is None:
            kept.append(job)
            continue
        previous = job.reversal_of
        message = (f"Revision {job.document.source_revision} of {job.document.source_id} arrived after revision "
                   f"{previous.source_revision} was posted as {previous.odoo_model} {previous.odoo_ids}; change the "
                   "posted report in Odoo (refuse or reverse it), then dismiss this item.")  # fmt: skip
        holds.hold(job.document, stage="post", flow=flow.slug,
                   items=[{"category": "policy_violation", "message": message}])  # fmt: skip
        outcome.note(job.document.pk, "held", message)
    return kept
