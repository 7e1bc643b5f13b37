"""Policy checks run after mapping: missing receipts, suspected duplicates, per-diem and mileage caps.

Each check returns `Problem`s; any problem holds the document with a worklist item of its category.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection

from apps.documents.canonical import CanonicalDocument
from apps.documents.models import Document, DocumentLine

MILEAGE_RATE_CAP = Decimal("0.70")  # per km/mile, in the line's currency
PER_DIEM_RATE_CAP = Decimal("120.00")  # per day
DUPLICATE_WINDOW = timedelta(days=90)  # how far back a same-employee/amount/date/merchant line counts
VOID = ("rejected",)


@dataclass(frozen=True)
class Problem:
    category: str  # a worklist category
    message: str
    line_id: str = ""


def missing_receipts(doc: CanonicalDocument, threshold: Decimal) -> list[Problem]:
    missing = [line for line in doc.lines if not line.receipt and line.amount > threshold]
    return [Problem("missing_receipt", f"Line {line.id} ({line.amount} {line.currency}) has no receipt; receipts "
                    f"are required above {threshold}.", line.id) for line in missing]  # fmt: skip


def caps(doc: CanonicalDocument) -> list[Problem]:
    out = []
    for line in doc.lines:
        if line.mileage_rate is not None and line.mileage_rate > MILEAGE_RATE_CAP:
            out.append(Problem("policy_violation", f"Line {line.id}: mileage rate {line.mileage_rate} is above "
                               f"the cap of {MILEAGE_RATE_CAP}.", line.id))  # fmt: skip
        if line.per_diem_rate is not None and line.per_diem_rate > PER_DIEM_RATE_CAP:
            out.append(Problem("policy_violation", f"Line {line.id}: per-diem rate {line.per_diem_rate} is above "
                               f"the cap of {PER_DIEM_RATE_CAP} a day.", line.id))  # fmt: skip
    return out


def _card_links(document: Document, doc: CanonicalDocument) -> set[str]:
    """Card transaction ids this document carries (its own id for a card transaction)."""
    links = {line.card_transaction_id for line in doc.lines if line.card_transaction_id}
    return links | ({document.source_id} if doc.type == "card_transaction" else set())


def _card_duplicates(document: Document, doc: CanonicalDocument) -> list[Problem]:
    """Same card transaction id in another (non-void) document of the same type."""
    card_ids = sorted(_card_links(document, doc))
    if not card_ids:
        return []
    same = DocumentLine.objects.exclude(document__source_id=document.source_id).exclude(document__state__in=VOID)
    same = same.filter(card_transaction_id__in=card_ids, document__object_type=document.object_type)
    return [Problem("duplicate_suspected", f"Card transaction {hit.card_transaction_id} is also in {hit.document}.",
                    hit.line_id) for hit in same.select_related("document")[:5]]  # fmt: skip


def duplicates(document: Document, doc: CanonicalDocument) -> list[Problem]:
    """Same card transaction id in another document of the same type, or same employee + amount + date +
    merchant. A card transaction and the report line paid with it are a match (posted once), not duplicates."""
    return duplicates_many([(document, doc)])[0]


UNION_PARTS = 200  # documents per statement (SQLite allows 500 parts in one compound SELECT)


def _line_hits_part(position: int, n_dates: int, n_amounts: int, since: bool) -> str:
    """The single-document look-up, tagged with the document's position in the batch: each part is as selective
    as a query of its own (the employee's index, a few dates and amounts); UNION ALL makes one round trip."""
    dates, amounts, void = (", ".join(["%s"] * n) for n in (n_dates, n_amounts, len(VOID)))
    return (
        f"SELECT {int(position)} AS k, l.id, l.line_id, l.date, l.amount, l.merchant, l.card_transaction_id, "
        "d.object_type, d.source_id, d.source_revision "
        "FROM documents_documentline l JOIN documents_document d ON d.id = l.document_id "
        f"WHERE d.employee_email = %s AND l.date IN ({dates}) AND l.amount IN ({amounts}) AND d.source_id <> %s "
        f"AND d.state NOT IN ({void})" + (" AND d.received_at >= %s" if since else "")
    )


def _same_employee_hits(items: list[tuple[Document, CanonicalDocument]]) -> dict[int, list]:
    """{position in items: [(line id, date, amount, merchant, card transaction id, source id, document label)]},
    in line id order: the lines of other, non-void documents of the same employee on one of the document's
    dates with one of its amounts (its lines with a merchant), received within the window."""
    ops, rows = connection.ops, []
    wanted = [(i, document, doc, [line for line in doc.lines if line.merchant])
              for i, (document, doc) in enumerate(items)]  # fmt: skip
    wanted = [w for w in wanted if w[2].employee.email and w[3]]
    for start in range(0, len(wanted), UNION_PARTS):
        parts, params = [], []
        for i, document, doc, lines in wanted[start : start + UNION_PARTS]:
            dates, amounts = sorted({line.date for line in lines}), sorted({line.amount for line in lines})
            since = document.received_at - DUPLICATE_WINDOW if document.received_at else None
            parts.append(_line_hits_part(i, len(dates), len(amounts), since is not None))
            params += [doc.employee.email, *[ops.adapt_datefield_value(d) for d in dates],
                       *[ops.adapt_decimalfield_value(a) for a in amounts], document.source_id, *VOID]  # fmt: skip
            if since is not None:
                params.append(ops.adapt_datetimefield_value(since))
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            rows += cursor.fetchall()
    hits: dict[int, list] = {}
    for i, _, line_id, on, amount, merchant, card_id, object_type, source_id, revision in sorted(
        rows, key=lambda r: r[1]
    ):
        label = str(Document(object_type=object_type, source_id=source_id, source_revision=revision))
        on = on if isinstance(on, date) else date.fromisoformat(str(on))  # SQLite answers text
        amount = amount if isinstance(amount, Decimal) else Decimal(str(amount))  # …and numbers
        hits.setdefault(i, []).append((line_id, on, amount, merchant, card_id, source_id, label))
    return hits


def duplicates_many(items: list[tuple[Document, CanonicalDocument]]) -> list[list[Problem]]:
    """`duplicates` for a batch: the same problems, with one query for the batch's employee look-ups."""
    hits = _same_employee_hits(items)
    out = []
    for i, (document, doc) in enumerate(items):
        problems = _card_duplicates(document, doc)
        card_ids = _card_links(document, doc)
        seen = {}
        for line_id, on, amount, merchant, card_id, source_id, label in hits.get(i, []):
            if card_ids and (card_id in card_ids or source_id in card_ids):
                continue  # the matching side of a card transaction is not a duplicate of it
            seen.setdefault((on, amount, merchant.casefold()), (line_id, label))
        for line in doc.lines:
            hit = seen.get((line.date, line.amount, line.merchant.casefold())) if line.merchant else None
            if hit is not None:
                problems.append(Problem("duplicate_suspected", f"Line {line.id} ({line.amount} {line.currency} at "
                                        f"{line.merchant} on {line.date}) looks like line {hit[0]} of {hit[1]}.",
                                        line.id))  # fmt: skip
        out.append(problems)
    return out


def receipt_threshold(entity, flow) -> Decimal:
    """The entity's own receipt threshold when it has one, else the flow's (read once per flow instance and
    entity: a run checks many documents)."""
    from apps.sync.models import EntityPolicy

    cache = flow.__dict__.setdefault("_receipt_thresholds", {})
    if entity.pk not in cache:
        value = EntityPolicy.objects.filter(entity=entity).values_list("receipt_threshold", flat=True).first()
        cache[entity.pk] = flow.receipt_threshold if value is None else value
    return cache[entity.pk]


def check(document: Document, doc: CanonicalDocument, *, receipt_threshold: Decimal) -> list[Problem]:
    return check_many([(document, doc)], thresholds=[receipt_threshold])[0]


def check_many(items: list[tuple[Document, CanonicalDocument]], *, thresholds: list[Decimal]) -> list[list[Problem]]:
    """`check` for a batch (the duplicate look-ups of all its documents in one query); problems per item."""
    found = duplicates_many(items)
    return [missing_receipts(doc, threshold) + caps(doc) + found[i]
            for i, ((_, doc), threshold) in enumerate(zip(items, thresholds, strict=True))]  # fmt: skip
