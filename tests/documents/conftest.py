import json

import pytest


@pytest.fixture
def ledger_of():
    """ledger_of(key) → [(kind, outcome, payload dict)] of a document's ledger entries, oldest first."""
    from apps.ledger.models import LedgerEntry

    def entries(document_key: str):
        rows = LedgerEntry.objects.filter(document=document_key).order_by("sequence").select_related("payload_row")
        result = []
        for entry in rows:
            body = getattr(entry, "payload_row", None)
            result.append((entry.kind, entry.outcome, json.loads(body.body) if body else {}))
        return result

    return entries
