"""What a batch needs from Odoo beyond the mapping resolution, read once per batch (entity).

Journals by code (and their default account: the card clearing account), the company's payable account,
employees' partners, the company currency, currencies by code, and tax rates. A handful of calls per batch,
independent of the number of documents or lines.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from apps.connectors.odoo.faults import OdooValidationError


@dataclass
class PostingFacts:
    company_id: int
    company_currency: str
    journals: dict[str, dict] = field(default_factory=dict)  # code → {id, default_account_id}
    payable_account_id: int | None = None
    employee_partner: dict[int, int] = field(default_factory=dict)  # hr.employee id → res.partner id
    currencies: dict[str, int] = field(default_factory=dict)  # ISO code → res.currency id
    taxes: dict[int, dict] = field(default_factory=dict)  # account.tax id → {amount, amount_type, account_id}

    def journal(self, code: str) -> dict:
        if code not in self.journals:
            raise OdooValidationError(
                f"Odoo has no journal with code {code!r} in company {self.company_id}; create it or change the "
                "flow's journal.", kind="missing_record")  # fmt: skip
        return self.journals[code]

    def tax_rate(self, tax_id: int) -> Decimal | None:
        tax = self.taxes.get(tax_id) or {}
        if tax.get("amount_type", "percent") != "percent":
            return None
        return Decimal(str(tax.get("amount", 0)))


def _m2o(value) -> int | None:
    if isinstance(value, list | tuple):
        return int(value[0]) if value else None
    return int(value) if value else None


def read_facts(gateway, *, company_id: int, company_currency: str, journal_codes=(), employee_ids=(), tax_ids=(),
               currency_codes=(), payable: bool = True) -> PostingFacts:  # fmt: skip
    """Read the batch's facts in at most five calls (fewer when a list is empty or `payable` is False)."""
    profile = gateway.profile
    facts = PostingFacts(company_id=company_id, company_currency=company_currency)
    if journal_codes:
        default_field = "default_credit_account_id" if profile.major < 13 else "default_account_id"
        domain = [["code", "in", sorted(set(journal_codes))], ["company_id", "=", company_id]]
        rows = gateway.search_read("account.journal", domain, ["code", default_field])
        facts.journals = {r["code"]: {"id": r["id"], "default_account_id": _m2o(r.get(default_field))} for r in rows}
    if payable:
        facts.payable_account_id = _payable_account(gateway, profile, company_id)
    if employee_ids:
        partner_field = "address_home_id" if profile.major < 16 else "work_contact_id"
        rows = gateway.read("hr.employee", sorted(set(employee_ids)), [partner_field])
        facts.employee_partner = {r["id"]: _m2o(r.get(partner_field)) for r in rows if _m2o(r.get(partner_field))}
    if tax_ids:
        fields = ["amount", "amount_type"] + (["account_id"] if profile.major < 13 else [])
        rows = gateway.read("account.tax", sorted(set(tax_ids)), fields)
        facts.taxes = {r["id"]: {**r, "account_id": _m2o(r.get("account_id"))} for r in rows}
    codes = sorted(set(currency_codes) - {company_currency})
    if codes:
        rows = gateway.search_read("res.currency", [["name", "in", codes]], ["name"], context={"active_test": False})
        facts.currencies = {r["name"]: r["id"] for r in rows}
    return facts


def _payable_account(gateway, profile, company_id: int) -> int | None:
    if profile.major < 16:
        domain = [["internal_type", "=", "payable"], ["company_id", "=", company_id]]
    else:
        company_field = profile.account_company_field
        op = "in" if company_field == "company_ids" else "="
        domain = [["account_type", "=", "liability_payable"], [company_field, op, [company_id] if op == "in"
                                                                                  else company_id]]  # fmt: skip
    rows = gateway.search_read("account.account", domain, ["code"], limit=1, order="code")
    return rows[0]["id"] if rows else None
