"""Master data to the expense platforms: Odoo's employees, departments, cost centres (analytic accounts),
projects, taxes and expense categories, from the master-data cache, sent only when they changed.

    run = master_data_push(trigger="schedule")     # None when a push is already running

Targets: every enabled expense-platform connector that can receive signed webhooks (apps.reporting.outbound),
for each legal entity it serves, and every Expensify connector through the Integration Server's updaters
(apps.reporting.expensify: employees, categories, and cost centres / projects as tags, to the entity's policy).
A record is sent when its digest differs from the one the platform last accepted (PushedRecord); a batch the
platform refuses is sent again next time. Each record the platform accepted is one ledger entry
(`master_data.pushed`, outbound). Expensify replaces a policy's tags as a whole, so when one cost centre or
project changed every tag is sent again — only the changed records are ledgered and recorded as pushed.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter

from django.db import transaction
from django.utils import timezone

from apps.connectors.models import Connector, ConnectorKind
from apps.ledger.services import ledger_append, ledger_append_many
from apps.mappings.models import MasterRecord
from apps.reporting import expensify, outbound
from apps.reporting.models import PushedRecord, ReportingRunKind
from apps.reporting.services.runs import run_claim, run_finish

ACTOR = "reporting"
KINDS = ("departments", "employees", "analytic_accounts", "projects", "taxes", "expense_categories")
BATCH = 200


def _digest(record: dict) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


def _employee(record: MasterRecord, departments: dict[int, MasterRecord], employees: dict[int, MasterRecord]) -> dict:
    data = record.data
    department = departments.get(data.get("department_id"))
    manager = None
    while department is not None and manager is None:  # the department's manager, else the parent's
        candidate = employees.get((department.data or {}).get("manager_id"))
        if candidate is not None and candidate.odoo_id != record.odoo_id:
            manager = candidate
        department = departments.get((department.data or {}).get("parent_id"))
    first = departments.get(data.get("department_id"))
    return {"id": record.odoo_id, "email": record.code, "name": record.name, "active": record.active,
            "department": first.name if first else None, "department_id": data.get("department_id"),
            "manager_email": manager.code if manager else None}  # fmt: skip


def _plain(kind: str, record: MasterRecord) -> dict:
    data = record.data or {}
    out = {"id": record.odoo_id, "code": record.code or None, "name": record.name, "active": record.active}
    if kind == "taxes":
        out.update(rate=data.get("amount"), amount_type=data.get("amount_type"), use=data.get("type_tax_use"))
    elif kind == "projects":
        out["analytic_account_id"] = data.get("analytic_account_id")
    elif kind == "departments":
        out.update(parent_id=data.get("parent_id"), manager_id=data.get("manager_id"))
    elif kind == "analytic_accounts":
        out["plan_id"] = data.get("plan_id")
    elif kind == "expense_categories":
        out["expense_account_id"] = data.get("expense_account_id")
    return out


def master_records(entity) -> dict[str, dict[int, dict]]:
    """{kind: {odoo id: record as sent}} of the entity's cached master data (inactive records included)."""
    rows = list(MasterRecord.objects.filter(entity=entity, kind__in=KINDS).order_by("kind", "odoo_id"))
    departments = {r.odoo_id: r for r in rows if r.kind == "departments"}
    employees = {r.odoo_id: r for r in rows if r.kind == "employees"}
    out: dict[str, dict[int, dict]] = {kind: {} for kind in KINDS}
    for record in rows:
        shaped = (
            _employee(record, departments, employees) if record.kind == "employees" else _plain(record.kind, record)
        )
        out[record.kind][record.odoo_id] = shaped
    return out


def targets():
    """(connector, channel) of every platform that can receive the push: a webhook Channel or an Expensify Target."""
    platforms = Connector.objects.filter(kind=ConnectorKind.EXPENSE_PLATFORM, enabled=True).order_by("slug")
    return [(c, ch) for c in platforms if (ch := outbound.channel_for(c) or expensify.target_for(c)) is not None]


def master_data_push(*, trigger: str = "schedule", actor=None):
    """Push what changed to every target (see the module docstring); the ReportingRun, or None if busy."""
    run = run_claim(kind=ReportingRunKind.MASTER_DATA, trigger=trigger, actor=actor)
    if run is None:
        return None
    counts = Counter()
    try:
        for connector, channel in targets():
            for entity in connector.entities.filter(active=True).order_by("code"):
                if isinstance(channel, expensify.Target):
                    _push_expensify(connector, channel, entity, counts)
                else:
                    _push_entity(connector, channel, entity, counts)
    except Exception as error:
        run_finish(run, counts=dict(counts), error=f"{type(error).__name__}: {error}")
        raise
    return run_finish(run, counts=dict(counts), partial=bool(counts["failed"]))


def _push_entity(connector, channel, entity, counts: Counter) -> None:
    sent = {(k, i): d for k, i, d in PushedRecord.objects.filter(connector=connector.slug, entity=entity)
            .values_list("kind", "odoo_id", "digest")}  # fmt: skip
    for kind, records in master_records(entity).items():
        changed = [(i, r, _digest(r)) for i, r in records.items() if sent.get((kind, i)) != _digest(r)]
        counts["unchanged"] += len(records) - len(changed)
        for start in range(0, len(changed), BATCH):
            _push_batch(connector, channel, entity, kind, changed[start : start + BATCH], counts)


def _push_batch(connector, channel, entity, kind: str, batch: list, counts: Counter) -> None:
    data = {"entity": entity.code, "kind": kind, "records": [r for _i, r, _d in batch]}
    msg_id = outbound.message_id(connector.slug, entity.code, kind, *[d for _i, _r, d in batch])
    delivery = outbound.send(channel, event="master_data.changed", data=data, msg_id=msg_id)
    common = {"direction": "outbound", "actor": ACTOR, "entity": entity.code, "connector": connector.slug,
              "source_system": "odoo", "target_model": kind}  # fmt: skip
    with transaction.atomic():
        if not delivery.ok:
            ledger_append(
                kind="master_data.push_failed",
                outcome="failed",
                reason=delivery.error,
                target_id=msg_id,
                payload={"kind": kind, "records": len(batch), "http_status": delivery.status},
                **common,
            )
            counts["failed"] += len(batch)
            return
        now = timezone.now()
        for odoo_id, _record, digest in batch:
            PushedRecord.objects.update_or_create(connector=connector.slug, entity=entity, kind=kind, odoo_id=odoo_id,
                                                  defaults={"digest": digest, "pushed_at": now})  # fmt: skip
        ledger_append_many([{**common, "kind": "master_data.pushed", "source_id": str(odoo_id), "target_id": msg_id,
                             "payload": {"kind": kind, "record": record, "digest": digest}}
                            for odoo_id, record, digest in batch])  # fmt: skip
    counts["sent"] += len(batch)


# --- Expensify (Integration Server updaters) -----------------------------------------------------------------
LEAVER_REASON = "Expensify's employee updater cannot remove a member: remove them from the policy in Expensify."


def _push_expensify(connector, target: expensify.Target, entity, counts: Counter) -> None:
    policy = target.policy_for(entity.code)
    if policy is None:
        counts["no_policy"] += 1
        return
    sent = {(k, i): d for k, i, d in PushedRecord.objects.filter(connector=connector.slug, entity=entity)
            .values_list("kind", "odoo_id", "digest")}  # fmt: skip
    records = master_records(entity)
    changed = {}
    for kind in ("employees", "expense_categories", *expensify.TAG_LEVELS):
        changed[kind] = [(i, r, _digest(r)) for i, r in records[kind].items() if sent.get((kind, i)) != _digest(r)]
        counts["unchanged"] += len(records[kind]) - len(changed[kind])
    # Expensify's employee updater adds and updates; it cannot remove: a departure is recorded, not sent.
    leavers = [c for c in changed["employees"] if not c[1]["active"]]
    if leavers:
        _record(connector, entity, "employees", leavers, job_id=f"{policy}:not-sent", counts=counts,
                entry_kind="master_data.not_sent", outcome="rejected", reason=LEAVER_REASON)  # fmt: skip
    joiners = [c for c in changed["employees"] if c[1]["active"]]
    for start in range(0, len(joiners), BATCH):
        batch = joiners[start : start + BATCH]
        description, data = expensify.employees_job(policy, [r for _i, r, _d in batch])
        _expensify_send(connector, target, entity, "employees", batch, description, data, counts)
    categories = changed["expense_categories"]
    for start in range(0, len(categories), BATCH):
        batch = categories[start : start + BATCH]
        description = expensify.categories_job(policy, [r for _i, r, _d in batch])
        _expensify_send(connector, target, entity, "expense_categories", batch, description, None, counts)
    tag_changes = [(kind, c) for kind in expensify.TAG_LEVELS for c in changed[kind]]
    if tag_changes:
        levels = expensify.tag_levels(records["analytic_accounts"], records["projects"])
        _expensify_send(connector, target, entity, None, tag_changes, expensify.tags_job(policy, levels), None,
                        counts)  # fmt: skip


def _expensify_send(connector, target, entity, kind, batch, description, data, counts: Counter) -> None:
    """Run one updater job; record and ledger its records when Expensify took it. `kind` None: `batch` holds
    (kind, change) pairs (the tags job covers two kinds)."""
    pairs = [(kind, change) for change in batch] if kind else batch
    job_id = outbound.message_id(connector.slug, entity.code, description["inputSettings"]["type"],
                                 *[d for _k, (_i, _r, d) in pairs])  # fmt: skip
    result = expensify.run_job(target, description, data=data)
    if not result.ok:
        ledger_append(kind="master_data.push_failed", direction="outbound", actor=ACTOR, entity=entity.code,
                      connector=connector.slug, source_system="odoo", target_model=kind or "tags", target_id=job_id,
                      outcome="failed", reason=result.error,
                      payload={"job": description["inputSettings"], "records": len(pairs),
                               "response_code": result.code})  # fmt: skip
        counts["failed"] += len(pairs)
        return
    by_kind = {}
    for record_kind, change in pairs:
        by_kind.setdefault(record_kind, []).append(change)
    for record_kind, changes in by_kind.items():
        _record(connector, entity, record_kind, changes, job_id=job_id, counts=counts)


def _record(connector, entity, kind, changes, *, job_id, counts: Counter, entry_kind="master_data.pushed",
            outcome="ok", reason="") -> None:  # fmt: skip
    now = timezone.now()
    common = {"direction": "outbound", "actor": ACTOR, "entity": entity.code, "connector": connector.slug,
              "source_system": "odoo", "target_model": kind, "outcome": outcome, "reason": reason}  # fmt: skip
    with transaction.atomic():
        for odoo_id, _record_data, digest in changes:
            PushedRecord.objects.update_or_create(connector=connector.slug, entity=entity, kind=kind, odoo_id=odoo_id,
                                                  defaults={"digest": digest, "pushed_at": now})  # fmt: skip
        ledger_append_many([{**common, "kind": entry_kind, "source_id": str(odoo_id), "target_id": job_id,
                             "payload": {"kind": kind, "record": record, "digest": digest}}
                            for odoo_id, record, digest in changes])  # fmt: skip
    counts["not_sent" if outcome == "rejected" else "sent"] += len(changes)
