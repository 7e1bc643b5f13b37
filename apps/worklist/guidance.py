"""What each category means for the person fixing it: the suggested fix shown on the item page.

Long-form guidance is in the runbooks (docs/runbooks/<category>.md); this is the one-paragraph version,
plus which correction form (if any) the item page offers.
"""

from apps.worklist.services.corrections import correctable_fields

SUGGESTED_FIX = {
    "mapping_missing": "Add the missing mapping rule (pre-filled below) and send it for approval. Once it is "
    "approved, every item it fixes is retried automatically.",
    "master_data_missing": "Create the missing record in Odoo (employee, analytic account, product), refresh "
    "master data, then retry.",
    "closed_period": "The document falls in a period locked in Odoo. Choose a posting date in the open period, "
    "or ask the accountant to reopen the period, then retry.",
    "invalid_tax": "The tax code is unknown or not valid for this entity. Choose the right tax code, then retry.",
    "duplicate_suspected": "Compare with the original. If it is the same expense, mark it as duplicate; "
    "otherwise resolve with a note and retry.",
    "missing_receipt": "Get the receipt from the employee. Once it is attached in the expense platform (or "
    "received another way), mark it received and retry.",
    "policy_violation": "Check the expense against policy with the approver; dismiss with the reason, or "
    "confirm it and retry.",
    "rejected_by_odoo": "Odoo refused the document: read Odoo's message below. Correct the field it names, then retry.",
    "schema_invalid": "The expense platform sent data we cannot read. Ask IT to check the connector; the "
    "document is retried when the platform resends it.",
    "transport": "Odoo or the expense platform could not be reached. Once it answers again, retry (bulk retry "
    "works well here).",
    "auth_failure": "The credentials were refused. IT must rotate the connector credential, then retry.",
    "credential_expiring": "A connector credential expires soon. IT should rotate it before it expires.",
    "reconciliation_difference": "The reconciliation found the document missing, or different, on one side "
    "(received, ledger, Odoo, reporting). Compare the sides shown below, fix the side that is wrong (post, "
    "reverse or republish), then wait for the next reconciliation run: it resolves the item when the sides agree.",
    "dead_letter": "The document failed too many times. Read the technical detail, fix the cause, then replay "
    "it (a dry run shows what would change first).",
}


def suggested_fix(category: str) -> str:
    return SUGGESTED_FIX.get(category, "Read the runbook for this category.")


def correction_form_fields(category: str) -> list[str]:
    """Correction inputs the item page shows, in display order."""
    order = ["tax_code", "line_id", "receipt_received", "posting_date", "note"]
    allowed = correctable_fields(category)
    return [name for name in order if name in allowed]
