"""Policy checks run after mapping: missing receipts, suspected duplicates, per-diem and mileage caps.

Each check returns `Problem`s; any problem holds the document with a worklist item of its category.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

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


def duplicates(document: Document, doc: CanonicalDocument) -> list[Problem]:
    """Same card transaction id in another document of the same type, or same employee + amount + date +
    merchant. A card transaction and the report line paid with it are a match (posted once), not duplicates.
    Two queries per document whatever its number of lines (e-mails are stored lower-case: an indexed match)."""
    others = DocumentLine.objects.exclude(document__source_id=document.source_id).exclude(document__state__in=VOID)
    out = []
    card_ids = sorted(_card_links(document, doc))
    if card_ids:
        same = others.filter(card_transaction_id__in=card_ids, document__object_type=document.object_type)
        for hit in same.select_related("document")[:5]:
            out.append(Problem("duplicate_suspected", f"Card transaction {hit.card_transaction_id} is also in "
                               f"{hit.document}.", hit.line_id))  # fmt: skip
    lines = [line for line in doc.lines if line.merchant]
    if not doc.employee.email or not lines:
        return out
    same = others.filter(document__employee_email=doc.employee.email, date__in={line.date for line in lines},
                         amount__in={line.amount for line in lines})  # fmt: skip
    if card_ids:  # the matching side of a card transaction is not a duplicate of it
        same = same.exclude(card_transaction_id__in=card_ids).exclude(document__source_id__in=card_ids)
    if document.received_at:
        same = same.filter(document__received_at__gte=document.received_at - DUPLICATE_WINDOW)
    seen = {}
    for hit in same.select_related("document").order_by("id"):
        seen.setdefault((hit.date, hit.amount, hit.merchant.casefold()), hit)
    for line in lines:
        hit = seen.get((line.date, line.amount, line.merchant.casefold()))
        if hit is not None:
            out.append(Problem("duplicate_suspected", f"Line {line.id} ({line.amount} {line.currency} at "
                               f"{line.merchant} on {line.date}) looks like line {hit.line_id} of {hit.document}.",
                               line.id))  # fmt: skip
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
    return missing_receipts(doc, receipt_threshold) + caps(doc) + duplicates(document, doc)
