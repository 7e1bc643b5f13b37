"""Version profiles: one internal vocabulary, translated to the models, fields and methods of Odoo 11 and 16–19.

The vocabulary (what the console talks about) → what each version calls it:
- journal entry posting: `post` (11) / `action_post` (16+); list `create` only from 12 on;
- expense line: `unit_amount` (11, 16) / `price_unit` (17+); analytic split: `analytic_account_id` (11) /
  `analytic_distribution` {account id: percent} (16+); expense report `hr.expense.sheet` (11–18, gone in 19);
- lock dates: fiscalyear+period (11), +tax (16/17), fiscalyear+tax+hard (18+; period_lock_date gone);
- account type: `user_type_id`/`internal_type` (11) → the `account_type` codes of 16+; account company
  `company_id` (≤17) / `company_ids` (18+); `deprecated` (≤18) / `active` (19);
- project analytic account: `analytic_account_id` (≤17) / `account_id` (18+).
Facts: ../shared/reference/odoo-and-expense-apis.md §2 and the measured Odoo 11 server.
"""

import re
from dataclasses import dataclass, field, replace

from apps.connectors.odoo.faults import OdooUnknownError

# Odoo 11 account.account.type external ids (module "account") → the 16+ account_type codes.
ACCOUNT_TYPE_BY_XMLID = {
    "data_account_type_receivable": "asset_receivable",
    "data_account_type_payable": "liability_payable",
    "data_account_type_liquidity": "asset_cash",
    "data_account_type_credit_card": "liability_credit_card",
    "data_account_type_current_assets": "asset_current",
    "data_account_type_non_current_assets": "asset_non_current",
    "data_account_type_prepayments": "asset_prepayments",
    "data_account_type_fixed_assets": "asset_fixed",
    "data_account_type_current_liabilities": "liability_current",
    "data_account_type_non_current_liabilities": "liability_non_current",
    "data_account_type_equity": "equity",
    "data_unaffected_earnings": "equity_unaffected",
    "data_account_type_other_income": "income_other",
    "data_account_type_revenue": "income",
    "data_account_type_depreciation": "expense_depreciation",
    "data_account_type_expenses": "expense",
    "data_account_type_direct_costs": "expense_direct_cost",
}
# The same by the (English) type name, for servers where the external ids cannot be read.
ACCOUNT_TYPE_BY_NAME = {
    "receivable": "asset_receivable",
    "payable": "liability_payable",
    "bank and cash": "asset_cash",
    "credit card": "liability_credit_card",
    "current assets": "asset_current",
    "non-current assets": "asset_non_current",
    "prepayments": "asset_prepayments",
    "fixed assets": "asset_fixed",
    "current liabilities": "liability_current",
    "non-current liabilities": "liability_non_current",
    "equity": "equity",
    "current year earnings": "equity_unaffected",
    "other income": "income_other",
    "income": "income",
    "depreciation": "expense_depreciation",
    "expenses": "expense",
    "cost of revenue": "expense_direct_cost",
}
ACCOUNT_TYPE_BY_INTERNAL = {"receivable": "asset_receivable", "payable": "liability_payable", "liquidity": "asset_cash"}


@dataclass(frozen=True)
class ExpenseFlow:
    """How an expense report goes from created to posted: (model, method) steps, in order."""

    report_model: str | None  # hr.expense.sheet, or None in 19 (expenses are posted one by one)
    steps: tuple[tuple[str, str], ...]
    move_field: str  # where the journal entry is found: on the sheet (≤18) or on the expense (19)
    created_state: str  # the report's state right after create


@dataclass(frozen=True)
class VersionProfile:
    major: int
    post_method: str
    multi_create: bool
    api_keys: bool
    json2: bool
    expense_price_field: str
    expense_total_field: str
    analytic_field: str  # on hr.expense and account.move.line
    move_type_field: str | None
    lock_date_fields: tuple[str, ...]
    account_company_field: str
    account_active_field: str  # "deprecated" (inverted) or "active"
    project_analytic_field: str
    analytic_plans: bool
    expense_flow: ExpenseFlow
    required_rights: tuple[tuple[str, str], ...] = field(default=())

    # --- vocabulary helpers -------------------------------------------------------------------------------
    def analytic_value(self, analytic_account_id: int | None, split: dict[int, float] | None = None) -> dict:
        """{field: value} for one analytic account (11) or a distribution {account id: percent} (16+)."""
        if not analytic_account_id and not split:
            return {}
        if self.analytic_field == "analytic_account_id":
            if split and len(split) > 1:
                raise ValueError("Odoo 11 takes one analytic account per line; split the line instead")
            return {"analytic_account_id": analytic_account_id or next(iter(split))}
        split = split or {analytic_account_id: 100.0}
        return {"analytic_distribution": {str(k): float(v) for k, v in split.items()}}

    def has_expense_report(self) -> bool:
        return self.expense_flow.report_model is not None

    def normalize_account_type(self, record: dict, type_xmlids: dict[int, str] | None = None) -> str:
        """account_type of 16+ for any version's account.account row."""
        if record.get("account_type"):
            return record["account_type"]
        user_type = record.get("user_type_id") or [None, ""]
        type_id, type_name = (user_type[0], user_type[1]) if isinstance(user_type, list | tuple) else (user_type, "")
        xmlid = (type_xmlids or {}).get(type_id)
        if xmlid in ACCOUNT_TYPE_BY_XMLID:
            return ACCOUNT_TYPE_BY_XMLID[xmlid]
        by_name = ACCOUNT_TYPE_BY_NAME.get(str(type_name).strip().lower())
        return by_name or ACCOUNT_TYPE_BY_INTERNAL.get(record.get("internal_type") or "", "other")


_BASE_RIGHTS = (
    ("res.company", "read"),
    ("res.partner", "read"),
    ("hr.employee", "read"),
    ("hr.department", "read"),
    ("account.account", "read"),
    ("account.journal", "read"),
    ("account.tax", "read"),
    ("account.analytic.account", "read"),
    ("product.product", "read"),
    ("account.move", "create"),
    ("account.move", "write"),
    ("hr.expense", "create"),
    ("ir.model.data", "create"),
)

_V11 = VersionProfile(
    major=11,
    post_method="post",
    multi_create=False,
    api_keys=False,
    json2=False,
    expense_price_field="unit_amount",
    expense_total_field="total_amount",
    analytic_field="analytic_account_id",
    move_type_field=None,
    lock_date_fields=("fiscalyear_lock_date", "period_lock_date"),
    account_company_field="company_id",
    account_active_field="deprecated",
    project_analytic_field="analytic_account_id",
    analytic_plans=False,
    expense_flow=ExpenseFlow(
        report_model="hr.expense.sheet",
        steps=(("hr.expense.sheet", "approve_expense_sheets"), ("hr.expense.sheet", "action_sheet_move_create")),
        move_field="account_move_id",
        created_state="submit",
    ),
    required_rights=(*_BASE_RIGHTS, ("hr.expense.sheet", "create")),
)
_V16 = replace(
    _V11,
    major=16,
    post_method="action_post",
    multi_create=True,
    api_keys=True,
    analytic_field="analytic_distribution",
    move_type_field="move_type",
    lock_date_fields=("fiscalyear_lock_date", "period_lock_date", "tax_lock_date"),
    analytic_plans=True,
    expense_flow=ExpenseFlow(
        report_model="hr.expense.sheet",
        steps=(
            ("hr.expense.sheet", "action_submit_sheet"),
            ("hr.expense.sheet", "approve_expense_sheets"),
            ("hr.expense.sheet", "action_sheet_move_create"),
        ),
        move_field="account_move_id",
        created_state="draft",
    ),
)
_V17 = replace(
    _V16,
    major=17,
    expense_price_field="price_unit",
    expense_total_field="total_amount_currency",
    expense_flow=replace(
        _V16.expense_flow,
        steps=(
            ("hr.expense.sheet", "action_submit_sheet"),
            ("hr.expense.sheet", "action_approve_expense_sheets"),
            ("hr.expense.sheet", "action_sheet_move_create"),
        ),
        move_field="account_move_ids",
    ),
)
_V18 = replace(
    _V17,
    major=18,
    lock_date_fields=("fiscalyear_lock_date", "tax_lock_date", "hard_lock_date"),
    account_company_field="company_ids",
    project_analytic_field="account_id",
    # 18 renamed the last step only; the rest of 17's flow stands
    expense_flow=replace(
        _V17.expense_flow,
        steps=(*_V17.expense_flow.steps[:2], ("hr.expense.sheet", "action_sheet_move_post")),
    ),
)
_V19 = replace(
    _V18,
    major=19,
    json2=True,
    account_active_field="active",
    expense_flow=ExpenseFlow(
        report_model=None,
        steps=(("hr.expense", "action_submit"), ("hr.expense", "action_approve"), ("hr.expense", "action_post")),
        move_field="account_move_id",
        created_state="draft",
    ),
    required_rights=_BASE_RIGHTS,
)
PROFILES = {p.major: p for p in (_V11, _V16, _V17, _V18, _V19)}


def parse_major(version_info: dict) -> int:
    """The major version from `common.version()`: server_version_info[0] may be 17 or 'saas~17'."""
    info = version_info.get("server_version_info") or []
    candidates = [info[0]] if info else []
    candidates.append(version_info.get("server_version", ""))
    for value in candidates:
        match = re.search(r"(\d+)", str(value))
        if match:
            return int(match.group(1))
    raise OdooUnknownError(f"cannot read the Odoo version from {version_info!r}", kind="unsupported_version")


def profile_for(major: int) -> VersionProfile:
    """The profile of a major version; versions newer than 19 use 19's (the external API is stable there)."""
    if major in PROFILES:
        return PROFILES[major]
    if major > 19:
        return PROFILES[19]
    raise OdooUnknownError(f"Odoo {major} is not supported (supported: 11, 16, 17, 18, 19)", kind="unsupported_version")
