"""Card spend is posted once: by the card transaction or by the report line paid with that card, not both.

    kept, matches = card_spend_claim(document, doc)   # in the posting worker, after the document is claimed

Whichever document reaches posting first owns the spend (a `CardSpend` row, unique per entity and card
transaction id, so two workers racing on the two documents cannot both own it). The other one leaves its
matched line out of its entry; a document whose every line is matched posts nothing and is settled by the
match. The owner keeps the spend on a retry or a re-drive (it finds its own row); an owner that was rejected
or superseded hands the spend over to the next document that needs it.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from apps.documents.canonical import CanonicalDocument, DocumentType, PaymentMode
from apps.documents.models import Document
from apps.documents.states import DocumentState as S
from apps.sync.models import CardSpend

VOID_OWNER_STATES = (S.REJECTED,)


@dataclass(frozen=True)
class CardMatch:
    line_id: str
    card_transaction_id: str
    owner: Document


def card_lines(doc: CanonicalDocument) -> list[tuple[str, str]]:
    """(line id, card transaction id) of the lines whose spend is a card transaction (pure)."""
    if doc.type == DocumentType.CARD_TRANSACTION:
        return [(line.id, line.card_transaction_id or doc.source_id) for line in doc.lines]
    return [(line.id, line.card_transaction_id) for line in doc.lines
            if line.card_transaction_id and line.payment == PaymentMode.COMPANY]  # fmt: skip


def _claim_one(document: Document, line_id: str, transaction_id: str) -> Document | None:
    """Own the spend (None) or return the document that owns it."""
    try:
        with transaction.atomic():
            CardSpend.objects.create(entity_id=document.entity_id, card_transaction_id=transaction_id,
                                     owner=document, owner_line_id=line_id)  # fmt: skip
            return None
    except IntegrityError:
        pass
    spend = CardSpend.objects.select_related("owner").get(entity_id=document.entity_id,
                                                          card_transaction_id=transaction_id)  # fmt: skip
    if spend.owner_id == document.pk:
        return None
    if spend.owner.state in VOID_OWNER_STATES or spend.owner.source_id == document.source_id:
        # A void owner, or an earlier revision of this very document: take over (compare-and-set on the owner).
        taken = CardSpend.objects.filter(pk=spend.pk, owner_id=spend.owner_id)
        if taken.update(owner=document, owner_line_id=line_id):
            return None
        spend.refresh_from_db()
    CardSpend.objects.filter(pk=spend.pk, matched__isnull=True).update(matched=document)
    return spend.owner


def card_spend_claim(document: Document, doc: CanonicalDocument) -> list[CardMatch]:
    """Claim the card spend of each card line of `document`; return the lines another document posts."""
    matches = []
    for line_id, transaction_id in card_lines(doc):
        owner = _claim_one(document, line_id, transaction_id)
        if owner is not None:
            matches.append(CardMatch(line_id, transaction_id, owner))
    return matches
