"""Dry run: the exact Odoo payloads a flow would post now, and what Odoo already holds for them. Writes nothing
(no state change, no ledger entry, no Odoo write: only reads)."""

from apps.connectors.odoo.faults import OdooError
from apps.mappings.engine import resolve
from apps.mappings.loader import mapping_context_load
from apps.sync.posting import moves, sheets
from apps.sync.posting.expense import expense_plans
from apps.sync.posting.journal import PayloadError, journal_entry
from apps.sync.posting.sheets import EXPENSE
from apps.sync.services import expense_mode, periods
from apps.sync.services.gateway import gateway_for
from apps.sync.services.journal_mode import facts_for, journal_code
from apps.sync.services.outcomes import Job
from apps.sync.services.posting import posting_date
from apps.sync.services.runs import flow_documents


def flow_dry_run(*, flow) -> list[dict]:
    """[{document, action, payload?, existing?, problems?}] for every document the flow would move now."""
    return documents_dry_run(flow, list(flow_documents(flow).select_related("entity").order_by("entity_id", "id")))


def documents_dry_run(flow, documents) -> list[dict]:
    """The same answer for chosen documents (a worklist replay shows one document's before posting it)."""
    out = []
    gateway = gateway_for(flow.target) if documents else None
    for code in sorted({d.entity.code for d in documents}):
        context = mapping_context_load([code])
        group = [d for d in documents if d.entity.code == code]
        jobs = []
        for document in group:
            doc = document.canonical_document
            resolution = resolve(doc, context)
            if resolution.failures:
                out.append({"document": document.idempotency_key, "action": "hold",
                            "problems": [f.message for f in resolution.failures]})  # fmt: skip
                continue
            decision = periods.decide(document.entity, posting_date(doc), policy=flow.closed_period_policy,
                                      has_taxes=any(r.tax_ids for r in resolution.lines))  # fmt: skip
            if decision.action != "post":
                out.append({"document": document.idempotency_key, "action": decision.action,
                            "problems": [decision.message]})  # fmt: skip
                continue
            jobs.append(Job(document, doc, resolution, decision.date))
        if jobs:
            out.extend(_payloads(flow, gateway, jobs))
    return out


def _payloads(flow, gateway, jobs) -> list[dict]:
    if flow.posting_mode == "expense":
        return _expense_payloads(gateway, jobs)
    facts = facts_for(gateway, flow, jobs)
    existing, _stale = moves.lookup(gateway, [j.document.idempotency_key for j in jobs])
    out = []
    for job in jobs:
        key = job.document.idempotency_key
        try:
            plan = journal_entry(job.doc, job.resolution, facts, gateway.profile, key=key,
                                 journal_code=journal_code(flow, job.document), on=job.on,
                                 card_journal_code=flow.card_journal_code)  # fmt: skip
        except (PayloadError, OdooError) as error:
            out.append({"document": key, "action": "hold", "problems": [str(error)]})
            continue
        found = existing.get(key)
        out.append({"document": key, "action": "already in Odoo" if found else "create and post",
                    "model": "account.move", "payload": plan.vals,
                    "existing": {k: found[k] for k in ("id", "name", "state")} if found else None})  # fmt: skip
    return out


def _expense_payloads(gateway, jobs) -> list[dict]:
    """The expense flow: the hr.expense values of each report (and its report), and what Odoo already holds."""
    facts, profile = expense_mode.facts_for(gateway, jobs), gateway.profile
    out, plans = [], []
    for job in jobs:
        key = job.document.idempotency_key
        try:
            mine = expense_plans(job.doc, job.resolution, facts, profile, key=key)
        except (PayloadError, OdooError) as error:
            out.append({"document": key, "action": "hold", "problems": [str(error)]})
            continue
        plans.extend(mine)
        out.extend({"document": key, "report": p.key, "model": profile.expense_flow.report_model or EXPENSE,
                    "payload": {"expenses": [v for _, v in p.expenses],
                                "report": p.report_vals([]) if profile.expense_flow.report_model else None},
                    "workflow": [f"{m}.{f}" for m, f in profile.expense_flow.steps]} for p in mine)  # fmt: skip
    found = sheets.existing(gateway, plans) if plans else {}
    for item in out:
        if "report" in item:
            item["existing"] = found.get(item["report"])
            item["action"] = "continue in Odoo" if item["existing"] else "create, submit, approve and post"
    return out
