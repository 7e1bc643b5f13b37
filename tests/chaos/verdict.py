"""After the drain: did anything get posted twice, get lost, or break the ledger chain?

    states = document_states(run)                 # {state: count} of the run's documents (progress)
    result = judge(run=…, accepted=…, odoo=…, env=…, log=…)   # -> dict (figures + findings), result["ok"]

Counted directly, independently of the console:
- duplicates: journal entries in Odoo per `ref` (the idempotency key), read over XML-RPC as the sandbox admin;
  external ids (ir.model.data) per name;
- lost: every report the webhook accepted must have a document, and every document must be posted (with
  exactly one posted entry in Odoo, the one it recorded), held or dead-lettered with an open worklist item, or
  rejected with a reason;
- ledger: `manage.py verify_ledger --no-record` in a child process;
and through the console's own reconciliation (apps.reporting.services.reconciliation.reconcile) per entity.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from datetime import date

from tests.chaos.stack import PYTHON, ROOT
from tests.chaos.traffic import SOURCE_PREFIX

POSTED = ("posted", "confirmed", "published")
PARKED = ("held", "dead_letter")
SETTLED = (*POSTED, *PARKED, "rejected")
RECONCILIATION_FAULTS = ("duplicate_in_odoo", "posted_twice", "missing_in_odoo", "not_in_ledger", "not_posted_in_odoo")
PERIOD = (date(2026, 11, 1), date(2026, 11, 30))


def run_documents(run: str):
    from apps.documents.models import Document

    return Document.objects.filter(source_id__startswith=f"{SOURCE_PREFIX}-{run}-")


def document_states(run: str) -> dict[str, int]:
    return dict(Counter(run_documents(run).values_list("state", flat=True)))


def unsettled(states: dict[str, int]) -> int:
    return sum(n for state, n in states.items() if state not in SETTLED)


def _open_items() -> tuple[dict[int, set[str]], dict[int, list[str]]]:
    """Active worklist items: ({document id: categories} of items naming a document, {entity id: messages}).

    A problem shared by several documents (a missing mapping) is one item naming the first document; the
    others carry its message as their reason (apps/sync/services/pipeline.mapping_problems)."""
    from apps.worklist.models import ACTIVE_STATUSES, WorklistItem

    by_document: dict[int, set[str]] = {}
    by_entity: dict[int, list[str]] = {}
    rows = WorklistItem.objects.filter(status__in=ACTIVE_STATUSES).values_list(
        "document_id", "category", "entity_id", "message"
    )
    for doc_id, category, entity_id, message in rows:
        if doc_id is not None:
            by_document.setdefault(doc_id, set()).add(category)
        by_entity.setdefault(entity_id, []).append(message)
    return by_document, by_entity


def _has_item(d, by_document, by_entity) -> bool:
    return bool(by_document.get(d.pk)) or any(m and m in d.state_reason for m in by_entity.get(d.entity_id, []))


def _lost(documents, accepted: set[str]) -> list[str]:
    """Why each lost document is lost: accepted without a document, unsettled, or parked without an item."""
    by_document, by_entity = _open_items()
    found = {d.source_id for d in documents}
    lost = [f"{sid}: accepted by the webhook, no document" for sid in sorted(accepted - found)]
    for d in documents:
        if d.state in POSTED:
            continue
        if d.state in PARKED and not (d.state_reason and _has_item(d, by_document, by_entity)):
            lost.append(f"{d.source_id}: {d.state} without a reason and an open worklist item")
        elif d.state == "dead_letter" and "dead_letter" not in by_document.get(d.pk, set()):
            lost.append(f"{d.source_id}: dead letter without a dead_letter worklist item")
        elif d.state == "rejected" and not d.state_reason:
            lost.append(f"{d.source_id}: rejected without a reason")
        elif d.state not in SETTLED:
            lost.append(f"{d.source_id}: still {d.state} (attempts {d.attempts}, since {d.state_changed_at:%H:%M:%S})")
    return lost


def _odoo_findings(documents, odoo, run: str) -> dict:
    """Journal entries and external ids in Odoo for the run's keys, against what the console recorded."""
    keys = {d.idempotency_key: d for d in documents}
    pattern = f"%:{SOURCE_PREFIX}-{run}-%"
    rows = []
    last = 0
    while True:  # keyset pages: every move whose ref carries the run's report ids
        page = odoo.call(
            "account.move",
            "search_read",
            [["ref", "=like", pattern], ["id", ">", last]],
            fields=["ref", "state", "name"],
            order="id",
            limit=1000,
        )
        rows += page
        if len(page) < 1000:
            break
        last = page[-1]["id"]
    by_ref: dict[str, list[dict]] = {}
    for row in rows:
        by_ref.setdefault(row["ref"], []).append(row)
    duplicates = {ref: [r["id"] for r in rs] for ref, rs in by_ref.items() if len(rs) > 1}
    wrong = []
    for key, d in keys.items():
        moves = by_ref.get(key, [])
        if d.state in POSTED and (
            not moves or [m["id"] for m in moves] != list(d.odoo_ids) or moves[0]["state"] != "posted"
        ):
            wrong.append(f"{d.source_id}: posted as {d.odoo_ids}, Odoo holds {[(m['id'], m['state']) for m in moves]}")
        elif d.state not in POSTED and moves:
            wrong.append(f"{d.source_id}: {d.state} here, but Odoo holds {[(m['id'], m['state']) for m in moves]}")
    strangers = sorted(set(by_ref) - set(keys))
    names = Counter(
        r["name"]
        for r in odoo.call("ir.model.data", "search_read", [["module", "=", "integration_console"]], fields=["name"])
    )
    return {
        "moves": len(rows),
        "duplicates": duplicates,
        "disagreements": wrong,
        "unknown_refs": strangers,
        "duplicate_external_ids": sorted(n for n, c in names.items() if c > 1),
    }


def verify_ledger(env: dict, log) -> dict:
    done = subprocess.run(
        [PYTHON, "manage.py", "verify_ledger", "--no-record"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    text = (done.stdout + done.stderr).strip()
    log(f"verify_ledger: {text.splitlines()[0] if text else done.returncode}")
    return {"ok": done.returncode == 0, "output": text[-1000:]}


def reconciliation(log) -> dict:
    """The console's reconciliation per entity over the run's period: differences by kind (or why it failed)."""
    from apps.entities.models import LegalEntity

    try:
        from apps.reporting.services.reconciliation import reconcile
    except ImportError as error:
        return {"available": False, "error": str(error)}
    kinds: Counter = Counter()
    examples: dict[str, str] = {}
    try:
        for entity in LegalEntity.objects.filter(code__in=["US", "FR", "DE"]).order_by("code"):
            _summary, differences = reconcile(entity, *PERIOD)
            for difference in differences:
                kinds[difference.kind] += 1
                examples.setdefault(difference.kind, f"{difference.key}: {difference.message}")
    except Exception as error:
        log(f"reconciliation failed: {type(error).__name__}: {error}")
        return {"available": False, "error": f"{type(error).__name__}: {error}"[:500]}
    faults = {k: n for k, n in kinds.items() if k in RECONCILIATION_FAULTS}
    return {"available": True, "differences": dict(kinds), "faults": faults, "examples": examples}


def judge(*, run: str, accepted: set[str], odoo, env: dict, log) -> dict:
    documents = list(run_documents(run))
    states = dict(Counter(d.state for d in documents))
    lost = _lost(documents, accepted)
    odoo_side = _odoo_findings(documents, odoo, run)
    ledger = verify_ledger(env, log)
    recon = reconciliation(log)
    ok = (
        not lost
        and not odoo_side["duplicates"]
        and not odoo_side["duplicate_external_ids"]
        and not odoo_side["disagreements"]
        and ledger["ok"]
        and not recon.get("faults")
    )
    return {
        "ok": ok,
        "documents": len(documents),
        "states": states,
        "posted": sum(states.get(s, 0) for s in POSTED),
        "held": states.get("held", 0),
        "dead_lettered": states.get("dead_letter", 0),
        "rejected": states.get("rejected", 0),
        "lost": len(lost),
        "lost_examples": lost[:20],
        "duplicates": len(odoo_side["duplicates"]),
        "odoo": odoo_side,
        "ledger": ledger,
        "reconciliation": recon,
    }
