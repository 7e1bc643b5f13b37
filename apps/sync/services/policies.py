"""Policy checks run after mapping: missing receipts, suspected duplicates, per-diem and mileage caps.

Each check returns `Problem`s; any problem holds the document with a worklist item of its category.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Count

from apps.documents.canonical import CanonicalDocument
from apps.documents.match_keys import match_fields, match_key
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


KEYS_PER_QUERY = 900  # under SQLite's 999 parameters per statement
_CANDIDATE_FIELDS = ("match_key", "id", "line_id", "date", "amount", "merchant", "card_transaction_id",
                     "document__employee_email", "document__object_type", "document__source_id",
                     "document__source_revision", "document__received_at")  # fmt: skip


class Candidate(NamedTuple):
    """A stored line sharing a batch line's match key."""

    pk: int
    line_id: str
    fields: tuple | None  # match_keys.match_fields of the stored line
    card_transaction_id: str
    source_id: str
    received_at: datetime
    label: str  # its document, as messages name it


def _keyed_lines(keys: list[int]):
    """The lines of non-void documents with one of these keys: one queryset per chunk of keys."""
    for start in range(0, len(keys), KEYS_PER_QUERY):
        yield DocumentLine.objects.filter(match_key__in=keys[start : start + KEYS_PER_QUERY]).exclude(
            document__state__in=VOID
        )


def _candidates(keys: list[int]) -> dict[int, list[Candidate]]:
    """{key: candidates in line order}: the lines of non-void documents with one of these suspected-duplicate keys
    (one index look-up per key, whatever the number of lines of the same date and amount)."""
    found: dict[int, list[Candidate]] = {}
    for rows in _keyed_lines(keys):
        for row in rows.values_list(*_CANDIDATE_FIELDS, named=True):
            label = str(Document(object_type=row.document__object_type, source_id=row.document__source_id,
                                 source_revision=row.document__source_revision))  # fmt: skip
            fields = match_fields(row.document__employee_email, row.date, row.amount, row.merchant)
            found.setdefault(row.match_key, []).append(Candidate(row.id, row.line_id, fields, row.card_transaction_id,
                                                                 row.document__source_id, row.document__received_at,
                                                                 label))  # fmt: skip
    for candidates in found.values():
        candidates.sort()
    return found


def _shared_keys(keys: list[int]) -> list[int]:
    """The keys that lines of more than one source document share (non-void documents): the only ones that can
    hold a duplicate of a stored document's line. Usually none, so a batch's own lines — which every key finds —
    are counted by the database instead of read back and compared one by one."""
    shared = []
    for rows in _keyed_lines(keys):
        rows = rows.order_by().values("match_key").annotate(sources=Count("document__source_id", distinct=True))
        shared += rows.filter(sources__gt=1).values_list("match_key", flat=True)
    return shared


def duplicates_many(items: list[tuple[Document, CanonicalDocument]]) -> list[list[Problem]]:
    """`duplicates` for a batch: the same problems, with one or two queries for the whole batch's lines."""
    lines = [[(line, fields, match_key(fields)) for line in doc.lines
              if (fields := match_fields(document.employee_email, line.date, line.amount, line.merchant))]
             for document, doc in items]  # fmt: skip
    keys = sorted({key for each in lines for _, _, key in each})
    # Stored and not void: their own lines carry these keys and are counted with the others.
    if all(document.pk is not None and document.state not in VOID for document, _ in items):
        keys = _shared_keys(keys)
    found = _candidates(keys)
    out = []
    for (document, doc), keyed in zip(items, lines, strict=True):
        problems = _card_duplicates(document, doc)
        card_ids = _card_links(document, doc)
        since = document.received_at - DUPLICATE_WINDOW if document.received_at else None
        for line, fields, key in keyed:
            same = (c for c in found.get(key, ()) if _same(c, fields, document, card_ids, since))
            if (hit := next(same, None)) is not None:
                problems.append(Problem("duplicate_suspected", f"Line {line.id} ({line.amount} {line.currency} at "
                                        f"{line.merchant} on {line.date}) looks like line {hit.line_id} of "
                                        f"{hit.label}.", line.id))  # fmt: skip
        out.append(problems)
    return out


def _same(candidate: Candidate, fields, document: Document, card_ids: set[str], since) -> bool:
    """A candidate line is a suspected duplicate: another document's, within the window, the same fields (not
    only the same key), and not the matching side of a card transaction."""
    if candidate.source_id == document.source_id or candidate.fields != fields:
        return False
    if since is not None and candidate.received_at < since:
        return False
    return not (card_ids and (candidate.card_transaction_id in card_ids or candidate.source_id in card_ids))


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
