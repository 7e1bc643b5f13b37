"""The deterministic seed: the same ids on every start and reset (documented in README.md)."""

from __future__ import annotations

import hashlib

from .models.taxes import REPARTITION, repartition_vals
from .seed_data import (
    ACCOUNTS,
    ALL_GROUPS,
    ANALYTIC,
    COMPANIES,
    DEPARTMENTS,
    EMPLOYEES_PER_COMPANY,
    FIRST,
    JOURNALS,
    LAST,
    PRODUCTS,
    SUSPENSE,
    TAXES,
    TYPES_11,
)

STAMP = "2026-01-01 00:00:00"


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Seeder:
    """Writes the seed straight into the store (no ORM checks), version-aware."""

    def __init__(self, store, version, login, password, api_key):
        self.store, self.v = store, version
        self.login, self.password, self.api_key = login, password, api_key

    def add(self, model_name, rid=None, **values):
        values.setdefault("create_date", STAMP)
        values.setdefault("write_date", STAMP)
        return self.store.insert(model_name, values, rid)

    def run(self):
        self.base()
        self.users()
        self.hr()
        self.accounting()
        self.expense_master_data()
        self.store.set_meta("seed_version", self.v)

    def base(self):
        for rid, (name, code) in enumerate([("United States", "US"), ("France", "FR"), ("Germany", "DE")], 1):
            self.add("res.country", rid, name=name, code=code)
        for rid, (name, symbol) in enumerate([("USD", "$"), ("EUR", "€"), ("GBP", "£")], 1):
            self.add("res.currency", rid, name=name, symbol=symbol, rounding=0.01, decimal_places=2, active=True)
        rates = [(2, 1, 0.92), (3, 1, 0.79), (1, 2, 1.087), (3, 2, 0.86), (1, 3, 1.087), (3, 3, 0.86)]
        for currency, company, rate in rates:
            self.add("res.currency.rate", name="2026-01-01", rate=rate, currency_id=currency, company_id=company)
        for rid, name, currency, country, vat in COMPANIES:
            self.add(
                "res.partner", rid, name=name, is_company=True, country_id=country, vat=vat, active=True, type="contact"
            )
            self.add(
                "res.company",
                rid,
                name=name,
                currency_id=currency,
                country_id=country,
                partner_id=rid,
                vat=vat,
                fiscalyear_lock_date=False,
                period_lock_date=False,
                tax_lock_date=False,
                sale_lock_date=False,
                purchase_lock_date=False,
                hard_lock_date=False,
                parent_id=False,
            )
            self.xmlid("res.company", rid, "base", "main_company" if rid == 1 else f"company_{rid}")

    def xmlid(self, model, res_id, module, name):
        self.add("ir.model.data", module=module, name=name, model=model, res_id=res_id, noupdate=True)

    def users(self):
        users = []
        if self.v >= 12:
            users.append((1, "__system__", "OdooBot", [], ALL_GROUPS, [1, 2, 3], 1, False))
        admin_id = 1 if self.v < 12 else 2
        admin_name = "Administrator" if self.v < 12 else "Mitchell Admin"
        users += [
            (admin_id, self.login, admin_name, self.password, ALL_GROUPS, [1, 2, 3], 1, True),
            (admin_id + 1, "restricted", "Riley Restricted", "restricted", ["base.group_user"], [1], 1, True),
            (
                admin_id + 2,
                "fr.accountant",
                "Camille Comptable",
                "fr.accountant",
                ["base.group_user", "account.group_account_invoice", "hr_expense.group_hr_expense_user"],
                [2],
                2,
                True,
            ),
        ]
        from .env import group_label

        group_ids = {}
        for gid, xmlid in enumerate(ALL_GROUPS, 1):
            self.add("res.groups", gid, name=group_label(xmlid, self.v), xmlid=xmlid)
            module, _, name = xmlid.partition(".")
            self.xmlid("res.groups", gid, module, name)
            group_ids[xmlid] = gid
        for rid, login, name, password, groups, companies, company, active in users:
            partner = self.add("res.partner", name=name, email=f"{login}@example.com", active=active, type="contact")
            self.add(
                "res.users",
                rid,
                login=login,
                name=name,
                password=password or "",
                **{"groups_id" if self.v < 19 else "group_ids": [group_ids[g] for g in groups]},
                company_ids=companies,
                company_id=company,
                partner_id=partner,
                active=active,
                tz="Europe/Brussels",
                lang="en_US",
                share=False,
            )
        self.xmlid("res.users", admin_id, "base", "user_admin")
        keys = {}
        if self.v >= 14:
            keys = {
                key_hash(self.api_key): {"uid": admin_id, "name": "sandbox", "expiration_date": None},
                key_hash("restricted-api-key"): {"uid": admin_id + 1, "name": "restricted", "expiration_date": None},
                key_hash("expired-api-key"): {
                    "uid": admin_id,
                    "name": "expired",
                    "expiration_date": "2020-01-01 00:00:00",
                },
            }
        self.store.set_meta("apikeys", keys)
        self.admin_id = admin_id

    def hr(self):
        dept = 0
        for company, *_ in COMPANIES:
            for name in DEPARTMENTS:
                dept += 1
                self.add("hr.department", dept, name=name, company_id=company, active=True, parent_id=False)
        index = 0
        for company, count in EMPLOYEES_PER_COMPANY.items():
            for n in range(count):
                first, last = FIRST[index], LAST[index % len(LAST)]
                index += 1
                email = f"{first.lower()}.{last.lower()}@example.com"
                self.employee(f"{first} {last}", email, company, (company - 1) * 4 + 1 + n % 4)
        self.employee("Sam Someone", "someone@example.com", 2, 8)
        self.employee("Riley Restricted", "restricted@example.com", 1, 4, user=self.admin_id + 1)

    def employee(self, name, email, company, department, user=False):
        partner = self.add(
            "res.partner",
            name=name,
            email=email,
            company_id=False,
            active=True,
            type="private" if self.v < 16 else "contact",
        )
        link = {"address_home_id": partner} if self.v < 16 else {"work_contact_id": partner}
        self.add(
            "hr.employee",
            name=name,
            work_email=email,
            company_id=company,
            department_id=department,
            user_id=user,
            active=True,
            parent_id=False,
            **link,
        )

    def accounting(self):
        if self.v < 16:
            for rid, (name, kind, xmlid) in enumerate(TYPES_11, 1):
                self.add("account.account.type", rid, name=name, type=kind)
                self.xmlid("account.account.type", rid, "account", xmlid)
        self.accounts = {}
        for company, *_ in COMPANIES:
            for code, name, account_type, type_11 in ACCOUNTS:
                values = {"code": code, "name": name, "reconcile": account_type.endswith(("payable", "receivable"))}
                values.update({"company_ids": [company]} if self.v >= 18 else {"company_id": company})
                values.update({"account_type": account_type} if self.v >= 16 else {"user_type_id": type_11})
                values.update({"active": True} if self.v >= 19 else {"deprecated": False})
                self.accounts[company, code] = self.add("account.account", **values)
        self.suspense_accounts()
        self.partner_properties()
        for company, *_ in COMPANIES:
            for code, name, kind, default in JOURNALS:
                if kind == "card":
                    kind = "credit" if self.v >= 18 else "general"
                account = self.accounts.get((company, default), False)
                values = {
                    "code": code,
                    "name": name,
                    "type": kind,
                    "company_id": company,
                    "active": True,
                    "sequence": 15 if code == "CARD" else 10,
                }
                if self.v >= 14:
                    values["default_account_id"] = account
                else:
                    values.update(
                        default_debit_account_id=account, default_credit_account_id=account, update_posted=False
                    )
                self.add("account.journal", **values)
        for company, taxes in TAXES.items():
            for name, amount in taxes:
                values = {
                    "name": name,
                    "amount": amount,
                    "amount_type": "percent",
                    "type_tax_use": "purchase",
                    "company_id": company,
                    "active": True,
                    "sequence": 1,
                }
                values.update(
                    {"invoice_label": name} if self.v >= 18 else {"description": name, "price_include": False}
                )
                if self.v < 14:
                    values["account_id"] = self.accounts[company, "2300"]
                tax_id = self.add("account.tax", **values)
                if self.v >= 16:  # invoice base, invoice tax (2300), refund base, refund tax (2300)
                    for refund in (False, True):
                        for kind in ("base", "tax"):
                            self.add(REPARTITION, **repartition_vals(self.v, tax_id, company, refund, kind,
                                                                     self.accounts[company, "2300"]))  # fmt: skip
        if self.v >= 16:
            self.add("account.analytic.plan", 1, name="Projects", parent_id=False, default_applicability="optional")
            self.add("account.analytic.plan", 2, name="Cost Centers", parent_id=False, default_applicability="optional")
        for rid, (code, name, plan) in enumerate(ANALYTIC, 1):
            values = {"code": code, "name": name, "active": True, "company_id": False}
            if self.v >= 16:
                values["plan_id"] = plan
            self.add("account.analytic.account", rid, **values)
        for rid in (1, 2, 3):
            link = {"account_id": rid} if self.v >= 18 else {"analytic_account_id": rid}
            self.add("project.project", rid, name=ANALYTIC[rid - 1][1], active=True, company_id=False, **link)

    def suspense_accounts(self):
        """16+: the company's suspense account (automatic balancing lines), after the 14 accounts of every company
        so that their ids stay (company−1)×14 + position."""
        if self.v < 16:
            return
        for company, *_ in COMPANIES:
            code, name, account_type = SUSPENSE
            values = {"code": code, "name": name, "account_type": account_type, "reconcile": False}
            values.update({"company_ids": [company]} if self.v >= 18 else {"company_id": company})
            values.update({"active": True} if self.v >= 19 else {"deprecated": False})
            self.accounts[company, code] = self.add("account.account", **values)
            self.store.update(
                "res.company", company, {"account_journal_suspense_account_id": self.accounts[company, code]}
            )

    def partner_properties(self):
        """Company defaults (2100 payable, 1200 receivable); employees' contacts owe on 2110 in their company."""
        for company, *_ in COMPANIES:
            defaults = {"payable": self.accounts[company, "2100"], "receivable": self.accounts[company, "1200"]}
            self.store.update("res.company", company, {"property_defaults": defaults})
        link = "address_home_id" if self.v < 16 else "work_contact_id"
        for employee in self.store.table("hr.employee").values():
            company = employee["company_id"]
            payable = {str(company): self.accounts[company, "2110"]}
            self.store.update("res.partner", employee[link], {"payable_accounts": payable})

    def expense_master_data(self):
        self.add("product.category", 1, name="All", parent_id=False)
        self.xmlid("product.category", 1, "product", "product_category_all")
        self.add(
            "product.category",
            2,
            name="Expenses",
            parent_id=1,
            expense_accounts={str(c): self.accounts[c, "6900"] for c, *_ in COMPANIES},
        )
        tax_ids = {t["name"]: t["id"] for t in self.store.table("account.tax").values()}
        reduced = {1: "US-0", 2: "FR-10", 3: "DE-7"}
        standard = {1: "US-0", 2: "FR-20", 3: "DE-19"}
        for rid, (code, name, account, price, is_reduced) in enumerate(PRODUCTS, 1):
            accounts = {str(c): self.accounts[c, account] for c, *_ in COMPANIES}
            taxes = [tax_ids[(reduced if is_reduced else standard)[c]] for c, *_ in COMPANIES]
            self.add(
                "product.product",
                rid,
                name=name,
                default_code=code,
                can_be_expensed=True,
                standard_price=price,
                list_price=0.0,
                type="service",
                active=True,
                company_id=False,
                expense_accounts=accounts,
                taxes=taxes,
                categ_id=2,
            )
            self.xmlid("product.product", rid, "sandbox", f"product_{code.lower()}")
        self.add(
            "product.product",
            8,
            name="Consulting",
            default_code="CONSULT",
            can_be_expensed=False,
            standard_price=0.0,
            list_price=150.0,
            type="service",
            active=True,
            company_id=False,
            expense_accounts={},
            taxes=[],
            categ_id=1,
        )
