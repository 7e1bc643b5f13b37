"""What a batch needs from Odoo beyond the mapping resolution, read once per batch (entity).

Journals by code (and their default account: the card clearing account), employees' partners and their payable
accounts (the partner's `property_account_payable_id` in the entity's company, as Odoo's own expense flow
credits it), the company's first payable account as the fallback for employees without one, the company
currency, currencies by code, tax rates, and (journal entries) each tax's tax-distribution lines: the account
and, on 13+, the repartition line a tax line names. A handful of calls per batch (at most seven), independent
of the number of documents or lines.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from apps.connectors.odoo.faults import OdooValidationError
from apps.connectors.odoo.master_data import company_context


@dataclass
class PostingFacts:
    company_id: int
    company_currency: str
    journals: dict[str, dict] = field(default_factory=dict)  # code → {id, default_account_id}
    payable_account_id: int | None = None  # the company's fallback payable account
    employee_partner: dict[int, int] = field(default_factory=dict)  # hr.employee id → res.partner id
    partner_payable: dict[int, int] = field(default_factory=dict)  # res.partner id → its payable account
    currencies: dict[str, int] = field(default_factory=dict)  # ISO code → res.currency id
    # account.tax id → {amount, amount_type, account_id (≤12), splits: [(repartition line id, account, %)] (13+)}
    taxes: dict[int, dict] = field(default_factory=dict)

    def journal(self, code: str) -> dict:
        if code not in self.journals:
            raise OdooValidationError(
                f"Odoo has no journal with code {code!r} in company {self.company_id}; create it or change the "
                "flow's journal.", kind="missing_record")  # fmt: skip
        return self.journals[code]

    def payable_of(self, employee_id: int | None) -> int | None:
        """The account the employee is owed on: their partner's payable, else the company's payable account."""
        partner = self.employee_partner.get(employee_id) if employee_id else None
        return self.partner_payable.get(partner) or self.payable_account_id

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
    """Read the batch's facts in at most seven calls (fewer when a list is empty). `payable` (journal entries):
    also the payable accounts and the taxes' distribution lines."""
    profile = gateway.profile
    facts = PostingFacts(company_id=company_id, company_currency=company_currency)
    if journal_codes:
        default_field = "default_credit_account_id" if profile.major < 13 else "default_account_id"
        domain = [["code", "in", sorted(set(journal_codes))], ["company_id", "=", company_id]]
        rows = gateway.search_read("account.journal", domain, ["code", default_field])
        facts.journals = {r["code"]: {"id": r["id"], "default_account_id": _m2o(r.get(default_field))} for r in rows}
    if employee_ids:
        partner_field = "address_home_id" if profile.major < 16 else "work_contact_id"
        rows = gateway.read("hr.employee", sorted(set(employee_ids)), [partner_field])
        facts.employee_partner = {r["id"]: _m2o(r.get(partner_field)) for r in rows if _m2o(r.get(partner_field))}
    if payable:
        facts.partner_payable = _partner_payables(gateway, profile, company_id, set(facts.employee_partner.values()))
        owed = {e for e, p in facts.employee_partner.items() if p in facts.partner_payable}
        if not employee_ids or set(employee_ids) - owed:  # someone (or a card) needs the company's account
            facts.payable_account_id = _payable_account(gateway, profile, company_id)
    if tax_ids:
        facts.taxes = _taxes(gateway, profile, sorted(set(tax_ids)), splits=payable)
    codes = sorted(set(currency_codes) - {company_currency})
    if codes:
        rows = gateway.search_read("res.currency", [["name", "in", codes]], ["name"], context={"active_test": False})
        facts.currencies = {r["name"]: r["id"] for r in rows}
    return facts


def _partner_payables(gateway, profile, company_id: int, partner_ids: set[int]) -> dict[int, int]:
    """{partner: payable account} in the company (a company-dependent property: read with the company current)."""
    if not partner_ids:
        return {}
    rows = gateway.read("res.partner", sorted(partner_ids), ["property_account_payable_id"],
                        context=company_context(profile, company_id))  # fmt: skip
    return {r["id"]: _m2o(r.get("property_account_payable_id")) for r in rows if r.get("property_account_payable_id")}


def _taxes(gateway, profile, tax_ids: list[int], *, splits: bool) -> dict[int, dict]:
    """Rate and type of each tax; with `splits`, where its amount goes: the tax account (≤12) or, 13+, the
    `tax` lines of its invoice distribution (one more call)."""
    split_field = "invoice_repartition_line_ids"
    fields = ["amount", "amount_type"] + (["account_id"] if profile.major < 13 else [split_field] if splits else [])
    rows = gateway.read("account.tax", tax_ids, fields)
    taxes = {r["id"]: {**r, "account_id": _m2o(r.get("account_id"))} for r in rows}
    line_ids = sorted({i for r in rows for i in r.get(split_field) or []})
    if line_ids:
        lines = {r["id"]: r for r in gateway.read("account.tax.repartition.line", line_ids,
                                                  ["repartition_type", "account_id", "factor_percent"])}  # fmt: skip
        for tax in taxes.values():
            shares = [lines[i] for i in tax.get(split_field) or [] if lines.get(i, {}).get("repartition_type") == "tax"]
            tax["splits"] = [(r["id"], _m2o(r.get("account_id")), float(r.get("factor_percent") or 0)) for r in shares]
    return taxes


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
