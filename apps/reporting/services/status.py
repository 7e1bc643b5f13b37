"""Reimbursement status back: read the payment state of posted documents from Odoo, record what changed,
confirm the documents Odoo has settled, and send each change to the document's platform once.

    run = reimbursement_status_check(trigger="schedule")     # None when a check is already running

Per entity: one Odoo read per 500 documents (search_read by ids, batched). A change is ledgered as it is read
(`reimbursement.status_read`, inbound) in the same transaction as the stored state and the document's move to
`confirmed`; delivery to the platform is a second step (`reimbursement.status_sent`, outbound), retried with
backoff until the platform accepts it, with a message id that stays the same for the same state.

Platforms: a generic webhook platform gets every state as a signed webhook (apps.reporting.outbound). Expensify
gets what its report status updater takes — `paid` as REIMBURSED, many reports per job; a report Expensify
already shows as reimbursed counts as delivered. Other states have nothing to send to Expensify: they are marked
as handled without a call (and without a ledger entry, as nothing crossed).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.connectors.models import Connector
from apps.connectors.odoo import OdooError
from apps.documents.errors import StaleDocument
from apps.documents.models import Document
from apps.documents.services import document_transition
from apps.documents.states import DocumentState as S
from apps.ledger.services import ledger_append
from apps.reporting import expensify, odoo, outbound
from apps.reporting.models import ReimbursementStatus, ReportingRunKind
from apps.reporting.services.runs import run_claim, run_finish

ACTOR = "reporting"
BATCH = 500
SETTLED = frozenset({"paid", "in_payment", "not_applicable"})  # the document is confirmed
OPEN = ("not_paid", "partial", "in_payment")  # keep reading after confirmation until final
ANOMALIES = frozenset({"missing", "unposted"})  # for the reconciliation, never sent to a platform
MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True)
class Reading:
    state: str
    name: str = ""
    date: date | None = None
    amount: Decimal | None = None


def reimbursable(document: Document) -> bool:
    """Something to pay back: an expense report with at least one line the employee paid."""
    if document.object_type != "expense_report":
        return False
    return any(line.get("payment", "employee") == "employee" for line in document.canonical.get("lines", []))


def combine(states: list[str]) -> str:
    """One document state from the states of its Odoo records (a report may have one per payment mode)."""
    if not states or "missing" in states:
        return "missing"
    if "unposted" in states:
        return "unposted"
    if all(s == "paid" for s in states):
        return "paid"
    if all(s in ("paid", "in_payment") for s in states):
        return "in_payment"
    if all(s == "reversed" for s in states):
        return "reversed"
    if any(s in ("paid", "in_payment", "partial") for s in states):
        return "partial"
    return "not_paid"


def _record_state(model: str, row: dict) -> str:
    state = row.get("state")
    if model == "account.move":
        if state != "posted":
            return "unposted"
        return row.get("payment_state") or "not_paid"
    if model == "hr.expense.sheet":
        if state in ("draft", "submit", "approve", "cancel"):
            return "unposted"
        return row.get("payment_state") or ("paid" if state == "done" else "not_paid")
    return {"paid": "paid", "in_payment": "in_payment"}.get(state, "not_paid" if state in ("posted", "done") else
                                                            "unposted")  # fmt: skip


def _money(value) -> Decimal | None:
    return None if value in (None, False) else Decimal(str(value)).quantize(Decimal("0.0001"))


def read_records(gw, model: str, ids: list[int]) -> dict[int, dict]:
    """{id: row} of `model` records, read in batches; fields each version has (asked once)."""
    available = gw.fields(model)
    wanted = [f for f in ("state", "name", "date", "accounting_date", "payment_state", "amount_total", "amount",
                          "total_amount") if f in available]  # fmt: skip
    rows = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        for row in gw.search_read(model, [["id", "in", chunk]], wanted, context={"active_test": False}):
            rows[row["id"]] = row
    return rows


def read_states(gw, documents: list[Document]) -> dict[int, Reading]:
    """{document pk: Reading} for documents posted in Odoo (grouped per model, batched)."""
    by_model = defaultdict(set)
    for document in documents:
        by_model[document.odoo_model].update(int(i) for i in document.odoo_ids)
    rows = {model: read_records(gw, model, sorted(ids)) for model, ids in by_model.items() if model and ids}
    readings = {}
    for document in documents:
        records = [rows.get(document.odoo_model, {}).get(int(i)) for i in document.odoo_ids]
        states = [_record_state(document.odoo_model, r) if r else "missing" for r in records]
        first = next((r for r in records if r), {})
        amount = sum((_money(r.get("amount_total", r.get("amount", r.get("total_amount")))) or 0 for r in records if r),
                     Decimal(0)) if any(records) else None  # fmt: skip
        state = combine(states)
        if state not in ANOMALIES and not reimbursable(document):
            state = "not_applicable"
        when = first.get("date") or first.get("accounting_date")
        readings[document.pk] = Reading(state, str(first.get("name") or ""), date.fromisoformat(when) if when else None,
                                        amount)  # fmt: skip
    return readings


def candidates(limit: int) -> list[Document]:
    """Posted documents, and settled ones whose payment is still moving (in payment, partial)."""
    moving = ReimbursementStatus.objects.filter(payment_state__in=OPEN).exclude(document__state=S.POSTED)
    query = Q(state=S.POSTED) | Q(pk__in=moving.values("document_id"))
    return list(Document.objects.filter(query).select_related("entity").order_by("id")[:limit])


def reimbursement_status_check(*, trigger: str = "schedule", actor=None, limit: int = 20000):
    """Read, record, confirm and send (see the module docstring). Returns the ReportingRun, or None when another
    check is running. Odoo failures of one entity are counted and leave its documents for the next run."""
    run = run_claim(kind=ReportingRunKind.STATUS, trigger=trigger, actor=actor)
    if run is None:
        return None
    stats, counts = odoo.OdooStats(), Counter()
    try:
        by_entity = defaultdict(list)
        for document in candidates(limit):
            by_entity[document.entity_id].append(document)
        for documents in by_entity.values():
            _check_entity(documents, stats, counts)
        status_send_pending(counts=counts)
    except Exception as error:
        run_finish(run, counts=dict(counts), stats=stats, error=f"{type(error).__name__}: {error}")
        raise
    return run_finish(run, counts=dict(counts), stats=stats, partial=bool(counts["odoo_failed"]))


def _check_entity(documents: list[Document], stats, counts: Counter) -> None:
    entity = documents[0].entity
    settled_elsewhere = [d for d in documents if not d.odoo_ids]  # card spend posted with another document
    to_read = [d for d in documents if d.odoo_ids]
    readings = {d.pk: Reading("not_applicable") for d in settled_elsewhere}
    connector = odoo.odoo_connector(entity) if to_read else None
    if to_read and connector is None:
        counts["no_odoo_connector"] += len(to_read)
    elif to_read:
        gw = odoo.gateway_for(connector, stats)
        try:
            readings.update(read_states(gw, to_read))
        except OdooError:
            counts["odoo_failed"] += len(to_read)
        finally:
            gw.close()
    counts["read"] += len(readings)
    for document in documents:
        if document.pk in readings:
            status_apply(document, readings[document.pk], counts=counts)


def status_apply(document: Document, reading: Reading, *, counts: Counter) -> None:
    """Store a reading; ledger it when the state changed; confirm a posted document Odoo settled. Atomic."""
    now = timezone.now()
    with transaction.atomic():
        current = ReimbursementStatus.objects.select_for_update().filter(document=document).first()
        changed = current is None or current.payment_state != reading.state
        fields = {"entity_id": document.entity_id, "odoo_model": document.odoo_model, "payment_state": reading.state,
                  "entry_name": reading.name[:100], "entry_date": reading.date, "odoo_amount": reading.amount,
                  "read_at": now}  # fmt: skip
        if changed:
            fields["changed_at"] = now
            _ledger_read(document, reading, current.payment_state if current else "")
            counts["changed"] += 1
        if current is not None and not changed and _same_entry(current, reading):
            # Only the read time moves: `updated_at` (the publication's watermark) stays put.
            ReimbursementStatus.objects.filter(pk=current.pk).update(read_at=now)
        else:
            ReimbursementStatus.objects.update_or_create(document=document, defaults=fields)
        if reading.state in SETTLED and document.state == S.POSTED:
            try:
                document_transition(document, S.CONFIRMED, actor=ACTOR, reason=f"Odoo payment state: {reading.state}",
                                    payload={"payment_state": reading.state})  # fmt: skip
                counts["confirmed"] += 1
            except StaleDocument:
                counts["stale"] += 1
        if reading.state in ANOMALIES:
            counts[reading.state] += 1


def _same_entry(current: ReimbursementStatus, reading: Reading) -> bool:
    return (current.entry_name, current.entry_date, current.odoo_amount) == (
        reading.name[:100],
        reading.date,
        reading.amount,
    )


def _ledger_read(document: Document, reading: Reading, previous: str) -> None:
    ledger_append(
        kind="reimbursement.status_read", direction="inbound", actor=ACTOR, entity=document.entity.code,
        source_system="odoo", document=document.idempotency_key, source_id=document.source_id,
        target_model=document.odoo_model, target_id=",".join(str(i) for i in document.odoo_ids),
        outcome="failed" if reading.state in ANOMALIES else "ok",
        payload={"payment_state": reading.state, "previous": previous or None, "entry": reading.name,
                 "date": reading.date.isoformat() if reading.date else None},
        reason={"missing": "The posted record is no longer in Odoo.",
                "unposted": "The record is no longer posted in Odoo."}.get(reading.state, ""),
    )  # fmt: skip


# --- sending ------------------------------------------------------------------------------------------------
def _due(status: ReimbursementStatus, now) -> bool:
    if not status.send_attempts:
        return True
    return status.updated_at + min(MAX_BACKOFF, timedelta(minutes=2**status.send_attempts)) <= now


def status_send_pending(*, counts: Counter, limit: int = 5000) -> None:
    """Send every state the platform has not accepted yet (anomalies excepted), once each."""
    now = timezone.now()
    pending = (ReimbursementStatus.objects.exclude(payment_state=F("sent_state")).exclude(payment_state__in=ANOMALIES)
               .select_related("document", "entity").order_by("id")[:limit])  # fmt: skip
    channels: dict[str, outbound.Channel | expensify.Target | None] = {}
    to_expensify = defaultdict(list)
    for status in pending:
        slug = status.document.source_connector
        if slug not in channels:
            connector = Connector.objects.filter(slug=slug).first()
            channels[slug] = outbound.channel_for(connector) or expensify.target_for(connector)
        channel = channels[slug]
        if channel is None:
            counts["no_channel"] += 1
        elif not _due(status, now):
            continue
        elif isinstance(channel, expensify.Target):
            to_expensify[slug].append(status)
        else:
            counts["sent" if status_send(status, channel) else "send_failed"] += 1
    for slug, statuses in to_expensify.items():
        status_send_expensify(statuses, channels[slug], counts=counts)


EXPENSIFY_BATCH = 100


def status_send_expensify(statuses: list[ReimbursementStatus], target: expensify.Target, *, counts: Counter) -> None:
    """Mark the paid reports REIMBURSED in Expensify (one job per 100 reports); other states need no call."""
    paid = [s for s in statuses if s.payment_state == "paid"]
    for status in statuses:
        if status.payment_state != "paid":
            _accepted(status, status.payment_state)
            counts["nothing_to_send"] += 1
    for start in range(0, len(paid), EXPENSIFY_BATCH):
        batch = paid[start : start + EXPENSIFY_BATCH]
        result = expensify.run_job(target, expensify.reimbursed_job(sorted({s.document.source_id for s in batch})))
        done = {str(i) for i in result.body.get("reportIDs", [])} if result.ok else set()
        refused = [*result.body.get("skippedReports", []), *result.body.get("failedReports", [])]
        reasons = {str(r.get("reportID")): str(r.get("reason", "")) for r in refused if isinstance(r, dict)}
        for status in batch:
            report = status.document.source_id
            # Already reimbursed in Expensify (by hand, or by an earlier job whose answer was lost): delivered.
            ok = report in done or "'Reimbursed'" in reasons.get(report, "")
            error = result.error or reasons.get(report) or "Expensify did not list the report as updated."
            payload = {"payment_state": "paid", "expensify_status": "REIMBURSED", "report_id": report,
                       "response_code": result.code}  # fmt: skip
            _ledger_sent(status, target.connector, msg_id=f"expensify:reportStatus:{report}:REIMBURSED", ok=ok,
                         error="" if ok else error, payload=payload)  # fmt: skip
            counts["sent" if ok else "send_failed"] += 1


def _accepted(status: ReimbursementStatus, state: str) -> None:
    ReimbursementStatus.objects.filter(pk=status.pk, sent_state=status.sent_state).update(
        sent_state=state, sent_at=timezone.now(), send_attempts=0, last_error=""
    )


def _ledger_sent(status, connector: str, *, msg_id: str, ok: bool, error: str, payload: dict) -> None:
    """Record one delivery (accepted: compare-and-set of sent_state; refused: one more attempt) and ledger it."""
    document = status.document
    common = {"kind": "reimbursement.status_sent", "direction": "outbound", "actor": ACTOR,
              "entity": status.entity.code, "connector": connector, "document": document.idempotency_key,
              "source_id": document.source_id, "target_id": msg_id, "payload": payload}  # fmt: skip
    with transaction.atomic():
        if ok:
            _accepted(status, status.payment_state)
            ledger_append(**common)
        else:
            ReimbursementStatus.objects.filter(pk=status.pk).update(
                send_attempts=F("send_attempts") + 1, last_error=error[:500], updated_at=timezone.now()
            )
            ledger_append(**common, outcome="failed", reason=error[:500])


def status_send(status: ReimbursementStatus, channel: outbound.Channel) -> bool:
    """Deliver one state; on success record it as accepted (compare-and-set) and ledger it. True when accepted."""
    document, state = status.document, status.payment_state
    data = {"document": document.idempotency_key, "source_id": document.source_id,
            "revision": document.source_revision, "entity": status.entity.code, "payment_state": state,
            "previous_state": status.sent_state or None,
            "odoo": {"model": status.odoo_model, "ids": document.odoo_ids, "entry": status.entry_name,
                     "date": status.entry_date.isoformat() if status.entry_date else None}}  # fmt: skip
    msg_id = outbound.message_id(document.idempotency_key, "reimbursement", state)
    delivery = outbound.send(channel, event="reimbursement.status_changed", data=data, msg_id=msg_id)
    _ledger_sent(status, channel.connector, msg_id=msg_id, ok=delivery.ok, error=delivery.error,
                 payload={"payment_state": state, "http_status": delivery.status})  # fmt: skip
    return delivery.ok
