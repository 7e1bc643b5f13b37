"""The four sides of a reconciliation, read per legal entity and period, and their comparison (pure).

    received = read_received(entity, start, end)       # {key: Received}  documents from the platforms
    ledger = read_ledger(entity, keys)                 # {key: [outcome, …]} postings the ledger recorded
    odoo = read_odoo(gw, entity, start, end, expected) # {key: [OdooRecord, …]} read live, in pages
    store = read_store(entity, keys)                   # {key: (rows, total)} rows in the reporting store
    differences = compare(received, ledger, odoo, store, publishable)

A document belongs to the period by its accounting date (its latest line date, as posted). Amounts are in the
entity's currency; a foreign line without the platform's conversion has no known amount (Odoo converts), so
such a document's amount is not compared. Odoo's entry total agrees when it equals the document's total, or
its total without the included VAT (entries whose lines carry `tax_ids` and no tax line — Odoo 13+ computes the
tax from them; see the report of issue 9).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Max

from apps.documents.models import Document
from apps.documents.states import DocumentState as S
from apps.ledger.models import LedgerEntry
from apps.reporting.models import FactExpenseLine
from apps.reporting.router import store_alias
from apps.reporting.services.facts import conversion, line_tax, money

POSTED_KINDS = ("journal_entry.posted", "expense_report.posted", "card_transaction.matched")
PUBLISHABLE = (S.POSTED, S.CONFIRMED, S.PUBLISHED)
TOLERANCE = Decimal("0.01")
KEYS_PER_QUERY = 2000


@dataclass
class Received:
    key: str
    source_id: str
    state: str
    reason: str
    lines: int
    total: Decimal | None
    net: Decimal | None = None  # without the VAT included in the amounts (when Odoo carries tax on the lines)
    odoo_model: str = ""
    odoo_ids: list = field(default_factory=list)


@dataclass(frozen=True)
class OdooRecord:
    id: int
    name: str
    state: str
    amount: Decimal | None
    posted: bool


@dataclass(frozen=True)
class Difference:
    key: str
    source_id: str
    kind: str
    message: str
    sides: dict


def _totals(canonical: dict, currency: str, rates: dict) -> tuple[Decimal | None, Decimal | None]:
    """(total, total without the included VAT) in `currency`, or (None, None) when a line cannot be converted."""
    total = net = Decimal(0)
    for line in canonical.get("lines", []):
        factor = conversion(line, currency)
        if factor is None:
            return None, None
        amount = Decimal(line["amount"])
        tax = line_tax(line, rates.get(line.get("tax_code", "")))
        total += amount if factor == 1 else money(amount * factor)
        net += (amount - tax) if factor == 1 else money((amount - tax) * factor)
    return total, net


def tax_rates(entity) -> dict[str, Decimal]:
    """{tax code: percent} of the entity's percent taxes in the master-data cache (the codes platforms use)."""
    from apps.mappings.models import MasterRecord

    rates = {}
    for name, data in MasterRecord.objects.filter(entity=entity, kind="taxes").values_list("name", "data"):
        if (data or {}).get("amount_type", "percent") == "percent" and data.get("amount"):
            rates[name] = Decimal(str(data["amount"]))
    return rates


def read_received(entity, start: date, end: date) -> tuple[dict[str, Received], int]:
    """({key: Received} of the period's documents not rejected, number of rejected ones)."""
    documents = (
        Document.objects.filter(entity=entity)
        .annotate(day=Max("lines__date"))
        .filter(day__range=(start, end))
        .values(
            "idempotency_key", "source_id", "state", "state_reason", "line_count", "canonical", "odoo_model", "odoo_ids"
        )
    )
    received, rejected, rates = {}, 0, tax_rates(entity)
    for d in documents.iterator(chunk_size=2000):
        if d["state"] == S.REJECTED:
            rejected += 1
            continue
        total, net = _totals(d["canonical"], entity.currency, rates)
        received[d["idempotency_key"]] = Received(
            d["idempotency_key"], d["source_id"], d["state"], d["state_reason"], d["line_count"], total, net,
            d["odoo_model"], list(d["odoo_ids"] or []),
        )  # fmt: skip
    return received, rejected


def _chunks(keys):
    keys = sorted(keys)
    for start in range(0, len(keys), KEYS_PER_QUERY):
        yield keys[start : start + KEYS_PER_QUERY]


def read_ledger(entity, keys) -> dict[str, list[str]]:
    """{key: outcomes of its posting entries}: ok = created in Odoo by us, duplicate = found already in Odoo,
    matched = nothing to post (the card spend is posted with another document)."""
    out: dict[str, list[str]] = {}
    for chunk in _chunks(keys):
        rows = LedgerEntry.objects.filter(
            document__in=chunk, kind__in=POSTED_KINDS, entity=entity.code, outcome__in=("ok", "duplicate")
        ).values_list("document", "kind", "outcome")
        for key, kind, outcome in rows:
            out.setdefault(key, []).append("matched" if kind == "card_transaction.matched" else outcome)
    return out


def in_odoo(postings: list[str]) -> bool:
    """The ledger says Odoo holds a record under this key."""
    return any(p != "matched" for p in postings)


def read_store(entity, keys) -> dict[str, tuple[int, Decimal | None]]:
    """{key: (rows, total in the entity's currency or None when a row has no company amount)}."""
    out: dict[str, list] = {}
    facts = FactExpenseLine.objects.using(store_alias())
    for chunk in _chunks(keys):
        for key, amount in facts.filter(document_key__in=chunk, entity__code=entity.code).values_list(
            "document_key", "amount_company"
        ):
            rows, total = out.get(key, [0, Decimal(0)])
            out[key] = [rows + 1, None if total is None or amount is None else total + amount]
    return {key: (rows, total) for key, (rows, total) in out.items()}


def read_odoo(gw, entity, start: date, end: date, expected: dict[str, Received]) -> dict[str, list[OdooRecord]]:
    """Odoo's records under the expected keys: journal entries of the company and period, read in pages and
    matched by `ref`; keys not found there (an entry re-dated past a lock date) looked up by ref; expense
    reports (hr.expense.sheet / hr.expense) read by the ids the console recorded, matched by name."""
    found: dict[str, list[OdooRecord]] = {}
    moves = {k for k, r in expected.items() if r.odoo_model in ("account.move", "")}
    fields = gw.fields("account.move")
    amount = "amount_total" if "amount_total" in fields else "amount"
    wanted = ["ref", "name", "state", amount]
    period = [["company_id", "=", entity.odoo_company_id], ["date", ">=", start.isoformat()],
              ["date", "<=", end.isoformat()]]  # fmt: skip
    for page in gw.pages("account.move", period, wanted):
        _collect(found, page, moves, amount)
    missing = sorted(moves - set(found))
    for start_at in range(0, len(missing), 200):
        rows = gw.search_read("account.move", [["ref", "in", missing[start_at : start_at + 200]]], wanted)
        _collect(found, rows, moves, amount)
    others = {k: r for k, r in expected.items() if r.odoo_model not in ("account.move", "") and r.odoo_ids}
    if others:
        _read_reports(gw, others, found)
    return found


def _collect(found: dict, rows: list[dict], keys: set, amount: str) -> None:
    for row in rows:
        if row.get("ref") in keys:
            record = OdooRecord(row["id"], row.get("name") or "", row.get("state") or "", _dec(row.get(amount)),
                                row.get("state") == "posted")  # fmt: skip
            if record not in found.setdefault(row["ref"], []):
                found[row["ref"]].append(record)


def _read_reports(gw, expected: dict[str, Received], found: dict) -> None:
    by_model: dict[str, dict[int, str]] = {}
    for key, received in expected.items():
        for odoo_id in received.odoo_ids:
            by_model.setdefault(received.odoo_model, {})[int(odoo_id)] = key
    for model, ids in by_model.items():
        fields = gw.fields(model)
        amount = next((f for f in ("total_amount", "total_amount_currency", "amount_total") if f in fields), "id")
        listed = sorted(ids)
        for start in range(0, len(listed), 500):
            for row in gw.read(model, listed[start : start + 500], ["name", "state", amount]):
                state = row.get("state") or ""
                posted = state in ("post", "done", "posted", "in_payment", "paid")
                found.setdefault(ids[row["id"]], []).append(
                    OdooRecord(row["id"], row.get("name") or "", state, _dec(row.get(amount)), posted)
                )


def _dec(value) -> Decimal | None:
    return None if value in (None, False) else money(Decimal(str(value)))


# --- comparison ----------------------------------------------------------------------------------------------
def _sides(received: Received | None, postings: list[str], records: list[OdooRecord], store) -> dict:
    return {
        "received": None if received is None else {"state": received.state, "lines": received.lines,
                                                   "total": _s(received.total)},
        "ledger": {"postings": len(postings), "outcomes": postings},
        "odoo": [{"id": r.id, "name": r.name, "state": r.state, "amount": _s(r.amount)} for r in records],
        "reporting": None if store is None else {"rows": store[0], "total": _s(store[1])},
    }  # fmt: skip


def _s(value) -> str | None:
    return None if value is None else str(value)


def _differs(a: Decimal | None, b: Decimal | None) -> bool:
    return a is not None and b is not None and abs(a - b) > TOLERANCE


def compare(received: dict[str, Received], ledger: dict, odoo: dict, store: dict) -> list[Difference]:
    """Every document missing or differing on any side, one Difference per finding. Pure."""
    out = []
    for key in sorted(set(received) | set(ledger) | set(odoo) | set(store)):
        doc, postings, records, rows = received.get(key), ledger.get(key, []), odoo.get(key, []), store.get(key)
        sides = _sides(doc, postings, records, rows)
        source = doc.source_id if doc else ""
        for kind, message in _findings(doc, postings, records, rows):
            out.append(Difference(key, source, kind, message, sides))
    return out


def _findings(doc: Received | None, postings: list[str], records: list[OdooRecord], rows) -> list[tuple[str, str]]:
    posted = [r for r in records if r.posted]
    findings = []
    if doc is not None and not postings:
        if doc.state not in PUBLISHABLE:
            why = f": {doc.reason[:200]}" if doc.reason else ""
            findings.append(("not_posted", f"Received but not posted (state {doc.state}{why})."))
        else:
            findings.append(("not_in_ledger", "Marked posted, but the ledger holds no posting entry."))
    if in_odoo(postings) and not records:
        findings.append(("missing_in_odoo", "Posted per the ledger, but Odoo has no record under this key."))
    elif records and not posted:
        states = ", ".join(sorted({r.state for r in records}))
        findings.append(("not_posted_in_odoo", f"Odoo holds the record but it is not posted (state {states})."))
    if len(posted) > 1:
        names = ", ".join(r.name or str(r.id) for r in posted)
        findings.append(("duplicate_in_odoo", f"{len(posted)} posted records in Odoo under one key: {names}."))
    if postings.count("ok") > 1:
        findings.append(("posted_twice", f"The ledger records {postings.count('ok')} creations in Odoo."))
    if records and not postings and doc is None:
        findings.append(("not_in_ledger", "Odoo holds a record under this key but the ledger has no posting."))
    findings += _store_findings(doc, postings, rows)
    if (
        doc is not None
        and len(posted) == 1
        and _differs(doc.total, posted[0].amount)
        and _differs(doc.net, posted[0].amount)
    ):
        findings.append(("amount_differs_odoo", f"Odoo's amount {posted[0].amount} differs from the received "
                                                f"{doc.total}."))  # fmt: skip
    return findings


def _store_findings(doc: Received | None, postings: list[str], rows) -> list[tuple[str, str]]:
    if rows is None:
        if postings and doc is not None and doc.state in PUBLISHABLE:
            return [("missing_in_reporting", "Posted, but the reporting store has no row for it.")]
        return []
    if doc is None or doc.state not in PUBLISHABLE:
        return [("unexpected_in_reporting", f"The reporting store has {rows[0]} row(s) for a document that is "
                                            "not posted.")]  # fmt: skip
    if _differs(doc.total, rows[1]):
        return [("amount_differs_reporting", f"The reporting store totals {rows[1]}, received {doc.total}.")]
    return []
