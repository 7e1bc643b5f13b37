"""The registry of models for one server version, and the per-call environment (user, context, companies)."""

from __future__ import annotations

import inspect

from .errors import AccessError, ServerError, UserError

GROUP_NAMES = {
    "base.group_user": ("Employee", "Internal User"),
    "base.group_system": ("Administration / Settings", "Administration / Settings"),
    "account.group_account_invoice": ("Accounting / Billing", "Accounting / Billing"),
    "account.group_account_manager": ("Accounting / Adviser", "Accounting / Billing Administrator"),
    "hr.group_hr_user": ("Employees / Officer", "Employees / Officer: Manage all employees"),
    "hr_expense.group_hr_expense_user": ("Expenses / Officer", "Expenses / Team Approver"),
    "hr_expense.group_hr_expense_manager": ("Expenses / Manager", "Expenses / Administrator"),
    "project.group_project_manager": ("Project / Manager", "Project / Administrator"),
}


def group_label(group: str, version: int) -> str:
    names = GROUP_NAMES.get(group, (group, group))
    return names[0] if version < 12 else names[1]


class Registry:
    """All models of one version; `call()` dispatches one RPC method like Odoo's `call_kw`."""

    def __init__(self, store, version: int, model_classes):
        self.store = store
        self.version = version
        self.models = {}
        for cls in model_classes:
            if cls.exists_in(version):
                self.models[cls._name] = cls(self)

    def env(self, uid: int, context: dict | None = None, su: bool = False) -> Env:
        return Env(self, uid, context or {}, su)

    def method(self, model_name: str, method: str):
        """The public method or raise the error Odoo gives for unknown models/methods."""
        model = self.models.get(model_name)
        if model is None:
            raise UserError(f"Object {model_name} doesn't exist")
        if method.startswith("_"):
            name = method if self.version < 17 else f"'{model_name}.{method}'"
            raise AccessError(f"Private methods (such as {name}) cannot be called remotely.")
        fn = model.public_methods.get(method)
        if fn is None:
            if self.version < 12:
                raise ServerError("AttributeError", f"type object '{model_name}' has no attribute '{method}'")
            raise ServerError("AttributeError", f"The method '{model_name}.{method}' does not exist")
        return model, fn

    def call(self, env: Env, model_name: str, method: str, args: list, kwargs: dict):
        """execute_kw semantics: positional args (ids first for record methods) and keyword args."""
        model, fn = self.method(model_name, method)
        args = list(args or [])
        if not fn._rpc["model"]:
            if not args:
                raise ServerError("IndexError", "list index out of range")
            ids, args = args[0], args[1:]
            args = [_ids(ids), *args]
        return invoke(model, fn, env, args, kwargs)

    def call_named(self, env: Env, model_name: str, method: str, ids, kwargs: dict):
        """JSON-2 semantics: named parameters only, `ids` for record methods (422 when given to @api.model)."""
        model, fn = self.method(model_name, method)
        if fn._rpc["model"]:
            if ids:
                raise SignatureError("TypeError", f"cannot call {model_name}.{method} with ids")
            return invoke(model, fn, env, [], kwargs)
        return invoke(model, fn, env, [_ids(ids)], kwargs)


class SignatureError(ServerError):
    """Arguments that do not fit the method (JSON-2 answers 422)."""


def _ids(value) -> list[int]:
    if value is False or value is None:
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list | tuple):
        return [int(v) for v in value]
    raise ServerError("TypeError", f"unhashable type: {type(value).__name__!r}")


def invoke(model, fn, env, args: list, kwargs: dict):
    """Call a public method, turning a signature mismatch into the TypeError Odoo's server would answer."""
    try:
        bound = inspect.signature(fn).bind(model, env, *args, **kwargs)
    except TypeError as exc:
        raise SignatureError("TypeError", f"{fn.__name__}() {exc}") from None
    return fn(*bound.args, **bound.kwargs)


class Env:
    """One call's view of the database: who calls, with which context and companies."""

    def __init__(self, registry: Registry, uid: int, context: dict, su: bool):
        self.registry = registry
        self.store = registry.store
        self.version = registry.version
        self.uid = uid
        self.context = context if isinstance(context, dict) else {}
        self.user = self.store.get("res.users", uid) or {}
        groups = self.store.table("res.groups")
        self.groups = {
            groups[g]["xmlid"] for g in self.user.get("groups_id") or self.user.get("group_ids") or [] if g in groups
        }
        # Odoo 11's uid 1 is the superuser: no ACLs, no record rules.
        self.su = su or (self.version < 12 and uid == 1)
        self._companies = None

    def __getitem__(self, model_name: str):
        return self.registry.models[model_name]

    def sudo(self) -> Env:
        return Env(self.registry, self.uid, self.context, True)

    def with_context(self, **values) -> Env:
        return Env(self.registry, self.uid, {**self.context, **values}, self.su)

    def has_group(self, group: str) -> bool:
        return self.su or group in self.groups

    @property
    def companies(self) -> list[int]:
        """Allowed companies: context allowed_company_ids (16+, checked) or the user's companies."""
        if self._companies is None:
            user_companies = list(self.user.get("company_ids") or [])
            wanted = self.context.get("allowed_company_ids") if self.version >= 13 else None
            if wanted:
                wanted = [int(c) for c in wanted]
                if not self.su and set(wanted) - set(user_companies):
                    raise AccessError("Access to unauthorized or invalid companies.")
                self._companies = wanted
            elif self.version < 13:
                self._companies = [self.user.get("company_id")]
            else:
                main = self.user.get("company_id")
                self._companies = [main] + [c for c in user_companies if c != main]
        return self._companies

    @property
    def company(self) -> int:
        return self.companies[0] if self.companies else 1

    def lang_ctx(self) -> dict:
        ctx = {"lang": "en_US", "tz": self.user.get("tz") or "Europe/Brussels"}
        if self.version >= 16:
            ctx["uid"] = self.uid
        return ctx
