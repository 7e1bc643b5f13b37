"""res.* models and ir.model.data."""

from __future__ import annotations

from .. import fields as F
from ..errors import ValidationError
from ..orm import Model, public

ADMIN_ONLY = {"write": ("base.group_system",), "create": ("base.group_system",), "unlink": ("base.group_system",)}


class Country(Model):
    _name = "res.country"
    _description = "Country"
    _acl = ADMIN_ONLY
    FIELDS = {"name": F.char("Country Name", required=True), "code": F.char("Country Code")}


class Currency(Model):
    _name = "res.currency"
    _description = "Currency"
    _acl = ADMIN_ONLY
    FIELDS = {
        "name": F.char("Currency", required=True),
        "symbol": F.char("Symbol"),
        "rounding": F.floatf("Rounding Factor", default=0.01),
        "decimal_places": F.integer("Decimal Places", default=2),
        "active": F.boolean("Active", default=True),
        "rate_ids": F.one2many("res.currency.rate", "currency_id", "Rates"),
        "rate": F.floatf("Current Rate", compute=lambda env, r: current_rate(env, r["id"])),
    }


def current_rate(env, currency_id, on_date=None) -> float:
    company = env.company
    rates = [
        r
        for r in env.store.table("res.currency.rate").values()
        if r["currency_id"] == currency_id
        and r.get("company_id") in (False, None, company)
        and (on_date is None or r["name"] <= on_date)
    ]
    return max(rates, key=lambda r: r["name"])["rate"] if rates else 1.0


class CurrencyRate(Model):
    _name = "res.currency.rate"
    _description = "Currency Rate"
    _rec_name = "name"
    _order = "name desc"
    _company_field = "company_id"
    _acl = dict.fromkeys(("write", "create", "unlink"), ("account.group_account_manager", "base.group_system"))
    FIELDS = {
        "name": F.date("Date", required=True),
        "rate": F.floatf("Technical Rate", default=1.0),
        "currency_id": F.many2one("res.currency", "Currency", required=True),
        "company_id": F.many2one("res.company", "Company"),
    }

    def _hook_prepare_create(self, env, vals):
        return vals


class Company(Model):
    _name = "res.company"
    _description = "Companies"
    _parent_field = "parent_id"
    _acl = ADMIN_ONLY
    FIELDS = {
        "name": F.char("Company Name", required=True),
        "currency_id": F.many2one("res.currency", "Currency", required=True),
        "country_id": F.many2one("res.country", "Country"),
        "partner_id": F.many2one("res.partner", "Partner"),
        "parent_id": F.many2one("res.company", "Parent Company"),
        "vat": F.char("Tax ID"),
        "email": F.char("Email"),
        "fiscalyear_lock_date": F.date("Lock Date"),
        "period_lock_date": F.date("Lock Date for Non-Advisers", until=17),
        "tax_lock_date": F.date("Tax Lock Date", since=13),
        "sale_lock_date": F.date("Sales Lock Date", since=18),
        "purchase_lock_date": F.date("Purchase Lock Date", since=18),
        "hard_lock_date": F.date("Hard Lock Date", since=18),
        "account_journal_suspense_account_id": F.many2one("account.account", "Journal Suspense Account", since=14),
        "expense_journal_id": F.many2one("account.journal", "Default Expense Journal", since=16),
        "company_expense_journal_id": F.many2one("account.journal", "Default Company Expense Journal", since=16),
    }

    def _hook_before_write(self, env, ids, stored, commands):
        from .account import check_lock_date_change

        check_lock_date_change(env, ids, stored)


class Partner(Model):
    _name = "res.partner"
    _description = "Contact"
    _company_field = "company_id"
    _parent_field = "parent_id"
    FIELDS = {
        "name": F.char("Name"),
        "email": F.char("Email"),
        "is_company": F.boolean("Is a Company", default=False),
        "parent_id": F.many2one("res.partner", "Related Company"),
        "company_id": F.many2one("res.company", "Company"),
        "country_id": F.many2one("res.country", "Country"),
        "vat": F.char("Tax ID"),
        "ref": F.char("Reference"),
        "active": F.boolean("Active", default=True),
        "type": F.selection(
            "Address Type", [("contact", "Contact"), ("private", "Private Address")], default="contact"
        ),
        "comment": F.text("Notes"),
        "phone": F.char("Phone"),
        "mobile": F.char("Mobile"),
        "street": F.char("Street"),
        "city": F.char("City"),
        "zip": F.char("Zip"),
        "website": F.char("Website Link"),
        "lang": F.char("Language", default="en_US"),
        "function": F.char("Job Position"),
        "customer": F.boolean("Is a Customer", default=True, until=12),
        "supplier": F.boolean("Is a Vendor", default=False, until=12),
        "customer_rank": F.integer("Customer Rank", default=0, since=13),
        "supplier_rank": F.integer("Supplier Rank", default=0, since=13),
        "commercial_partner_id": F.many2one(
            "res.partner", "Commercial Entity", compute=lambda env, r: r.get("parent_id") or r["id"]
        ),
        "child_ids": F.one2many("res.partner", "parent_id", "Contact"),
        # company-dependent (ir.property): the value for the current company, else the company's default
        "property_account_payable_id": F.many2one(
            "account.account", "Account Payable", compute=lambda env, r: company_property(env, r, "payable")
        ),
        "property_account_receivable_id": F.many2one(
            "account.account", "Account Receivable", compute=lambda env, r: company_property(env, r, "receivable")
        ),
    }
    PROPERTIES = {"property_account_payable_id": "payable", "property_account_receivable_id": "receivable"}

    def _hook_prepare_create(self, env, vals):
        return vals  # partners are shared across companies unless a company is given

    def convert_vals(self, env, vals):
        """Property values are kept per company (the current one), as Odoo's ir.property does."""
        pending = {}
        if isinstance(vals, dict):
            vals = dict(vals)
            for name, kind in self.PROPERTIES.items():
                if name in vals:
                    pending[kind] = F.convert(env, self, self.fields[name], vals.pop(name))
        stored, commands = super().convert_vals(env, vals)
        self._pending_properties = pending
        return stored, commands

    def _hook_after_create(self, env, rid, vals):
        self._store_properties(env, [rid])

    def _hook_after_write(self, env, ids, stored, commands):
        self._store_properties(env, ids)

    def _store_properties(self, env, ids):
        pending = self.__dict__.pop("_pending_properties", None) or {}
        company = str(property_company(env))
        for rid in ids:
            for kind, account in pending.items():
                values = dict(self.rows(env)[rid].get(f"{kind}_accounts") or {})
                values[company] = account
                env.store.update(self._name, rid, {f"{kind}_accounts": values})

    def display_name(self, env, rec) -> str:
        parent = env.store.get("res.partner", rec.get("parent_id") or 0)
        if parent and not rec.get("is_company"):
            return f"{parent.get('name')}, {rec.get('name') or ''}"
        return rec.get("name") or ""


def property_company(env) -> int:
    """The company whose property values a call sees: 11 `context.force_company`, else the current company."""
    if env.version < 13 and env.context.get("force_company"):
        return int(env.context["force_company"])
    return env.company


def company_property(env, partner: dict, kind: str, company: int | None = None):
    """A partner's payable/receivable account in `company` (default: the current one), else the company's default."""
    company = company or property_company(env)
    own = (partner.get(f"{kind}_accounts") or {}).get(str(company))
    defaults = (env.store.get("res.company", company) or {}).get("property_defaults") or {}
    return own or defaults.get(kind) or False


class Users(Model):
    _name = "res.users"
    _description = "User"
    _rec_name = "name"
    _acl = ADMIN_ONLY
    FIELDS = {
        "name": F.char("Name", required=True),
        "login": F.char("Login", required=True),
        "partner_id": F.many2one("res.partner", "Related Partner"),
        "company_id": F.many2one("res.company", "Company", required=True),
        "company_ids": F.many2many("res.company", "Allowed Companies"),
        "groups_id": F.many2many("res.groups", "Groups", until=18),
        "group_ids": F.many2many("res.groups", "Groups", since=19),
        "password": F.char("Password", compute=lambda env, r: ""),
        "employee_ids": F.one2many("hr.employee", "user_id", "Related employee"),
        "active": F.boolean("Active", default=True),
        "tz": F.char("Timezone"),
        "lang": F.char("Language", default="en_US"),
        "share": F.boolean("Share User", default=False),
    }

    def convert_vals(self, env, vals):
        password = vals.pop("password", None) if isinstance(vals, dict) else None
        stored, commands = super().convert_vals(env, vals)
        if password is not None:
            stored["password"] = str(password)
        return stored, commands

    def _hook_prepare_create(self, env, vals):
        if isinstance(vals, dict):
            vals.setdefault("company_id", env.company)
            vals.setdefault("company_ids", [(6, 0, [vals["company_id"]])])
            name = "groups_id" if self.version < 19 else "group_ids"
            if name not in vals:
                vals[name] = [
                    (6, 0, [g["id"] for g in env.store.table("res.groups").values() if g["xmlid"] == "base.group_user"])
                ]
        return vals

    def _hook_after_create(self, env, rid, vals):
        rec = self.rows(env)[rid]
        if not rec.get("partner_id"):
            partner = env["res.partner"].create_records(env.sudo(), [{"name": rec["name"], "email": rec.get("login")}])[
                0
            ]
            env.store.update(self._name, rid, {"partner_id": partner})

    def _hook_before_write(self, env, ids, stored, commands):
        own_settings = ids == [env.uid] and not set(stored) - {"company_id", "tz", "lang"} and not commands
        if not env.su and "base.group_system" not in env.groups and not own_settings:
            super().check_acl(env, "write")
        if "company_id" in stored:
            for rid in ids:
                allowed = env.store.get("res.users", rid).get("company_ids") or []
                if stored["company_id"] not in allowed:
                    raise ValidationError("The chosen company is not in the allowed companies for this user")

    def check_acl(self, env, operation, raise_exception=True):
        # users may read themselves and switch their own current company
        if operation in ("read", "write") and not env.su:
            return True
        return super().check_acl(env, operation, raise_exception)

    @public(model=True)
    def context_get(self, env):
        return env.lang_ctx()

    @public(model=True)
    def has_group(self, env, group_ext_id):
        return group_ext_id in env.groups


class Groups(Model):
    _name = "res.groups"
    _description = "Access Groups"
    _acl = ADMIN_ONLY
    FIELDS = {
        "name": F.char("Name", required=True),
        "full_name": F.char("Group Name", compute=lambda env, r: r.get("name")),
        "users": F.many2many("res.users", "Users", compute=lambda env, r: Groups.members(env, r["id"]), until=18),
        "user_ids": F.many2many("res.users", "Users", compute=lambda env, r: Groups.members(env, r["id"]), since=19),
    }

    @staticmethod
    def members(env, gid):
        return sorted(
            u["id"]
            for u in env.store.table("res.users").values()
            if gid in (u.get("groups_id") or u.get("group_ids") or [])
        )


class ModelData(Model):
    """External identifiers: the console stores its idempotency keys here (module, name) → (model, res_id)."""

    _name = "ir.model.data"
    _description = "Model Data"
    _rec_name = "name"
    _acl = ADMIN_ONLY
    FIELDS = {
        "name": F.char("External Identifier", required=True),
        "module": F.char("Module", required=True, default=""),
        "model": F.char("Model Name", required=True),
        "res_id": F.integer("Record ID"),
        "noupdate": F.boolean("Non Updatable", default=False),
        "complete_name": F.char("Complete ID", compute=lambda env, r: f"{r.get('module')}.{r.get('name')}"),
        "reference": F.char("Reference", compute=lambda env, r: f"{r.get('model')},{r.get('res_id')}", until=11),
    }

    def display_name(self, env, rec):
        return f"{rec.get('module')}.{rec.get('name')}"

    def _named(self, env, module, name) -> list[dict]:
        """The records of one external id, through the store's index on `name` (a scan made every created
        external id cost O(table): quadratic over a posting run)."""
        table = self.rows(env)
        return [table[i] for i in env.store.children(self._name, "name", name) if table[i]["module"] == module]

    def _hook_constraints(self, env, ids):
        table = self.rows(env)
        for rid in ids:
            rec = table[rid]
            if any(other["id"] != rid for other in self._named(env, rec["module"], rec["name"])):
                raise self.unique_error(env, rec)

    def unique_error(self, env, rec):
        from ..errors import ServerError

        if env.version < 12:  # real Odoo 11 on Python 3 trips over `inst[0]` in its IntegrityError handler
            error = ServerError("TypeError", "'UniqueViolation' object is not subscriptable")
        else:
            error = ServerError(
                "psycopg2.errors.UniqueViolation",
                'duplicate key value violates unique constraint "ir_model_data_module_name_uniq_index"',
            )
        # what `load()` reports: it catches the database error itself, before any handler words it
        error.database_message = (
            'duplicate key value violates unique constraint "ir_model_data_module_name_uniq_index"\n'
            f"DETAIL:  Key (module, name)=({rec['module']}, {rec['name']}) already exists.\n"
        )
        return error

    @public(model=True, until=12)
    def xmlid_to_res_id(self, env, xmlid, raise_if_not_found=False):
        return self._lookup(env, xmlid, raise_if_not_found)[1]

    @public(model=True)
    def check_object_reference(self, env, module, xml_id, raise_on_access_error=False):
        model, res_id = self._lookup(env, f"{module}.{xml_id}", True)
        return [model, res_id]

    @public(model=True, until=14)
    def get_object_reference(self, env, module, xml_id):
        model, res_id = self._lookup(env, f"{module}.{xml_id}", True)
        return [model, res_id]

    def _lookup(self, env, xmlid, raise_if_not_found):
        from ..errors import ServerError

        module, _, name = str(xmlid).partition(".")
        found = self._named(env, module, name)
        if found:
            return found[0]["model"], found[0]["res_id"]
        if raise_if_not_found:
            raise ServerError("ValueError", f"External ID not found in the system: {xmlid}")
        return False, False


BASE_MODELS = [Country, Currency, CurrencyRate, Company, Partner, Users, Groups, ModelData]
