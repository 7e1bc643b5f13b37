"""Extracts of the reporting store: the fact table with its dimensions, for one entity and period.

    columns, rows = extract_rows(user=…, entity=…, start=…, end=…)

Scope: `reporting.download_extract` and the entity among the user's (auditors: all). The period filters the
expense date. Rows are read from the store's alias in fact-key order.
"""

from __future__ import annotations

from datetime import date

from apps.access.permissions import AccessDenied
from apps.reporting.models import FactExpenseLine
from apps.reporting.router import store_alias
from apps.reporting.selectors.scope import finance_entities

PERM = "reporting.download_extract"
COLUMNS = [
    ("entity", "text", "entity__code"),
    ("document_key", "text", "document_key"),
    ("line_id", "text", "line_id"),
    ("source_system", "text", "source_system"),
    ("source_id", "text", "source_id"),
    ("object_type", "text", "object_type"),
    ("expense_date", "date", "expense_date__date"),
    ("posting_date", "date", "posting_date__date"),
    ("employee_email", "text", "employee__email"),
    ("employee_name", "text", "employee__name"),
    ("department", "text", "department__name"),
    ("project_code", "text", "project__code"),
    ("project_name", "text", "project__name"),
    ("account_code", "text", "account__code"),
    ("account_name", "text", "account__name"),
    ("category", "text", "category"),
    ("merchant", "text", "merchant"),
    ("tax_code", "text", "tax_code"),
    ("payment_mode", "text", "payment_mode"),
    ("currency", "text", "currency"),
    ("amount", "decimal", "amount"),
    ("tax_amount", "decimal", "tax_amount"),
    ("net_amount", "decimal", "net_amount"),
    ("company_currency", "text", "company_currency"),
    ("amount_company", "decimal", "amount_company"),
    ("tax_amount_company", "decimal", "tax_amount_company"),
    ("net_amount_company", "decimal", "net_amount_company"),
    ("status", "text", "status"),
    ("reimbursement_state", "text", "reimbursement_state"),
    ("odoo_model", "text", "odoo_model"),
    ("odoo_ids", "text", "odoo_ids"),
    ("odoo_entry", "text", "odoo_entry"),
    ("received_at", "timestamp", "received_at"),
    ("posted_at", "timestamp", "posted_at"),
]


def extract_entities(user):
    return finance_entities(user, PERM)


def extract_rows(*, user, entity, start: date, end: date) -> tuple[list[tuple[str, str]], list[tuple]]:
    """([(column, type)], rows) of the entity's fact rows with an expense date in [start, end]."""
    if not extract_entities(user).filter(pk=entity.pk).exists():
        raise AccessDenied(f"You may not download the reporting data of {entity.code}.")
    facts = FactExpenseLine.objects.using(store_alias()).filter(
        entity__code=entity.code, expense_date__date__range=(start, end)
    )
    rows = list(facts.order_by("document_key", "line_id").values_list(*[path for _n, _t, path in COLUMNS]))
    return [(name, kind) for name, kind, _p in COLUMNS], rows
