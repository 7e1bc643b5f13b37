"""Field-mapping documentation, generated from the payload builders' vocabulary and the active mappings.

`field_map(profile, posting_mode)` answers "which canonical field lands in which Odoo model/field for this
Odoo version, through which mapping dimension" — the rows below name the same profile attributes the
builders in this package use, so a version change shows up here without editing any document.
"""

JOURNAL_ROWS = (
    # canonical field, Odoo model, field (profile attribute or literal), mapping dimension, note
    ("id + revision (idempotency key)", "account.move", "ref", "", "and ir.model.data integration_console.<key>"),
    ("lines[].date (latest)", "account.move", "date", "", "first open date when the flow allows re-dating"),
    ("type", "account.move", "journal_id", "", "flow journal (reports) or card journal (card transactions)"),
    ("lines[].category", "account.move.line", "account_id", "category", "product's expense account or an account"),
    ("lines[].amount − tax", "account.move.line", "debit", "", "net of price-included tax"),
    ("lines[].tax_code", "account.move.line", "tax_ids", "tax_code", "on the expense line"),
    (
        "lines[].tax_amount (or from the rate)",
        "account.move.line (tax)",
        "debit, tax_line_id (11) / tax_repartition_line_id (13+)",
        "tax_code",
        "explicit VAT line on the tax's account; the credit is the gross amount",
    ),
    (
        "lines[].project / cost_centre / allocations",
        "account.move.line",
        "@analytic_field",
        "project, cost_centre",
        "split by allocation percent",
    ),
    (
        "lines[].currency, amount",
        "account.move.line",
        "currency_id, amount_currency",
        "currency",
        "foreign lines only; Odoo converts unless the platform gave a rate",
    ),
    ("lines[].merchant", "account.move.line", "partner_id", "vendor", "16+ only; optional"),
    (
        "lines[].payment = company, card_transaction_id",
        "account.move.line (credit)",
        "account_id",
        "",
        "the card journal's clearing account; a card spend already posted is left out (matched)",
    ),
    (
        "employee.email",
        "account.move.line (credit)",
        "partner_id",
        "employee",
        "employee's contact, on its payable account (property_account_payable_id; else the company's)",
    ),
)
EXPENSE_ROWS = (
    ("id + revision (idempotency key)", "@report_model", "name", "", "and ir.model.data; one report per payer"),
    ("id + revision + lines[].id", "hr.expense", "description", "", "and ir.model.data per expense"),
    ("employee.email", "hr.expense", "employee_id", "employee", ""),
    ("lines[].category", "hr.expense", "product_id", "category", ""),
    ("lines[].amount", "hr.expense", "@expense_price_field", "", "quantity 1; tax-included on 17+, net on 11/16"),
    ("lines[].tax_code", "hr.expense", "tax_ids", "tax_code", ""),
    ("lines[].project / cost_centre", "hr.expense", "@analytic_field", "project, cost_centre", ""),
    ("lines[].payment", "hr.expense", "payment_mode", "", "employee → own_account, company → company_account"),
    ("lines[].currency", "hr.expense", "currency_id", "currency", ""),
)


def _resolve(value: str, profile) -> str:
    if value.startswith("@"):
        return str(getattr(profile, value[1:], None) or "(not in this version)")
    return value


def field_map(profile, posting_mode: str) -> list[dict]:
    rows = JOURNAL_ROWS if posting_mode == "journal_entry" else EXPENSE_ROWS
    return [{"canonical": c, "model": _resolve(m, profile), "field": _resolve(f, profile), "dimension": d,
             "note": n} for c, m, f, d, n in rows]  # fmt: skip
