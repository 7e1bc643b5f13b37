"""Sample objects for the URL × role test (tests/access/samples.py calls build_samples)."""

from decimal import Decimal


def build_samples(entities) -> dict:
    from django.contrib.auth import get_user_model

    from apps.documents.models import Document
    from apps.worklist.models import BulkAction, SavedFilter
    from apps.worklist.services import worklist_item_open

    # The `controller` fixture user (created here first if need be). Never reset its password here: a new hash
    # invalidates the session the fixture's client logs in with.
    controller, _ = get_user_model().objects.get_or_create(username="controller")
    items = []
    for n in (1, 2):
        document = Document.objects.create(
            source_connector="expensify-main",
            source_system="expensify",
            object_type="expense_report",
            source_id=f"M{n}",
            idempotency_key=f"expensify-main:expense_report:M{n}:1",
            entity=entities["FR"],
            currency="EUR",
            total=Decimal("10.00"),
            canonical={},
        )
        items.append(
            worklist_item_open(
                category="mapping_missing",
                subject_key=document.idempotency_key,
                message="Employee has no Odoo mapping.",
                document=document,
            )
        )
    bulk = BulkAction.objects.create(kind="assign", actor=controller, item_ids=[items[0].pk], total=1)
    saved = SavedFilter.objects.create(owner=controller, name="FR mappings", query="category=mapping_missing")
    return {"item": items[0], "other": items[1], "bulk": bulk, "saved_filter": saved}
