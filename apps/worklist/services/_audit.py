"""Every change to an item is an audit entry in the ledger, written in the caller's transaction.

We append through `ledger_append` (direction audit, same payload shape as `audit_record`) rather than
`audit_record` so the entry also carries the document key, flow and connector: the item's actions then show
in the document's lineage timeline, and the item's history is `target_model/target_id` in the ledger.
"""

from django.db import transaction

from apps.ledger.models import LedgerEntryDirection
from apps.ledger.services import ledger_append
from apps.worklist.selectors import worklist_counts_changed

TARGET_MODEL = "worklist.worklistitem"
KIND_PREFIX = "worklist_item."


def audit(*, actor, action: str, item, changes: dict, reason: str = "") -> None:
    """Record `action` (e.g. "assign") on `item` with what changed, as ledger kind `worklist_item.<action>`.

    Every item change passes here, so this is also where cached counts are invalidated (on commit).
    """
    transaction.on_commit(worklist_counts_changed)
    ledger_append(
        kind=f"{KIND_PREFIX}{action}",
        direction=LedgerEntryDirection.AUDIT,
        actor=actor,
        payload={
            "action": action,
            "object": {"model": TARGET_MODEL, "pk": str(item.pk), "repr": str(item)[:200]},
            "category": item.category,
            "changes": changes or {},
        },
        entity=item.entity.code if item.entity_id else "",
        connector=item.connector,
        flow=item.flow,
        document=item.document.idempotency_key if item.document_id else "",
        target_model=TARGET_MODEL,
        target_id=str(item.pk),
        reason=reason,
    )
