"""Access rights (ACLs per group) and the multi-company record rule, with Odoo's error texts per version."""

from __future__ import annotations

from .env import group_label
from .errors import AccessError, MissingError

OPERATION_WORDS = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}
OLD_HEADS = {
    "read": "Sorry, you are not allowed to access this document.",
    "write": "Sorry, you are not allowed to modify this document.",
    "create": "Sorry, you are not allowed to create this kind of document.",
    "unlink": "Sorry, you are not allowed to delete this document.",
}


class AccessMixin:
    """Mixed into every model: `_acl` maps an operation to the groups allowed; `_company_field` drives the rule."""

    def check_acl(self, env, operation, raise_exception=True) -> bool:
        if env.su:
            return True
        groups = self._acl.get(operation, ("base.group_user",))
        if any(g in env.groups for g in groups):
            return True
        if not raise_exception:
            return False
        labels = [group_label(g, env.version) for g in groups]
        if env.version < 12:
            listing = "\n\t".join(f"- {label}" for label in labels)
            raise AccessError(
                f"{OLD_HEADS[operation]} Only users with the following access level are currently allowed "
                f"to do that:\n{listing}\n\n(Document model: {self._name})"
            )
        listing = "\n".join(f"\t- {label}" for label in labels)
        raise AccessError(
            f"You are not allowed to {OPERATION_WORDS[operation]} '{self._description}' ({self._name}) records.\n\n"
            f"This operation is allowed for the following groups:\n{listing}\n\n"
            "Contact your administrator to request access if necessary."
        )

    def company_visible(self, env, rec) -> bool:
        """The multi-company record rule: no company, or a company among the allowed ones."""
        if env.su or not self._company_field:
            return True
        value = rec.get(self._company_field)
        if not value:
            return True
        allowed = env.companies
        if isinstance(value, list):
            return bool(set(value) & set(allowed))
        return value in allowed

    def rule_error(self, env, ids, operation):
        if env.version < 12:
            return AccessError(
                "The requested operation cannot be completed due to security restrictions. Please contact your "
                f"system administrator.\n\n(Document type: {self._description}, Operation: {operation})"
            )
        user = env.user.get("name", "")
        lines = "\n".join(
            f"- {self._description}, {self.display_name(env, self.rows(env)[i])} ({self._name}: {i})" for i in ids[:5]
        )
        return AccessError(
            "Uh-oh! Looks like you have stumbled upon some top-secret records.\n\n"
            f"Sorry, {user} (id={env.uid}) doesn't have '{operation}' access to:\n{lines}\n\n"
            "Note: this might be a multi-company issue.\n\n"
            "If you really, really need access, perhaps you can win over your friendly administrator with a batch "
            "of freshly baked cookies."
        )

    def browse_checked(self, env, ids, operation) -> list[int]:
        """Existing ids the user may touch; missing ids and rule violations raise like Odoo does."""
        table = self.rows(env)
        missing = [i for i in ids if i not in table]
        if missing:
            if env.version < 12:
                if operation == "write":
                    raise MissingError(
                        "One of the records you are trying to modify has already been deleted "
                        f"(Document type: {self._description})."
                    )
                ids = [i for i in ids if i in table]
            else:
                raise MissingError(
                    "Record does not exist or has been deleted.\n"
                    f"(Record: {self._name}({', '.join(map(str, missing))},), User: {env.uid})"
                )
        forbidden = [i for i in ids if not self.company_visible(env, table[i])]
        if forbidden:
            raise self.rule_error(env, forbidden, operation)
        return list(dict.fromkeys(ids))
