"""Odoo domains: normalisation to prefix form and evaluation against stored records.

`compile_domain(model, domain)` validates field names (raising Odoo's ValueError texts) and returns a predicate
`record -> bool`. Supports `&`, `|`, `!`, dotted many2one paths, and the operators of OPERATORS.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable

from .errors import ServerError

OPERATORS = (
    "=",
    "!=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "in",
    "not in",
    "like",
    "not like",
    "ilike",
    "not ilike",
    "=like",
    "=ilike",
    "child_of",
    "parent_of",
)
TRUE_LEAF, FALSE_LEAF = (1, "=", 1), (0, "=", 1)


def is_leaf(term) -> bool:
    return isinstance(term, list | tuple) and len(term) == 3 and not isinstance(term[0], list | tuple)


def normalize(domain) -> list:
    """Add the implicit '&' operators (Odoo's normalize_domain)."""
    if not domain:
        return [TRUE_LEAF]
    result, expected = [], 1
    for term in domain:
        if expected == 0:
            result[0:0] = ["&"]
            expected = 1
        if isinstance(term, list | tuple):
            expected -= 1
            term = tuple(term)
        else:
            expected += {"&": 1, "|": 1, "!": 0}.get(term, 0)
        result.append(term)
    return result


def _like_regex(pattern: str, exact: bool, ci: bool) -> re.Pattern:
    body = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern) if exact else None
    if body is None:
        body = ".*" + re.escape(pattern) + ".*"
    return re.compile("^" + body + "$", re.IGNORECASE | re.DOTALL if ci else re.DOTALL)


def _compare(op: str, value, target) -> bool:
    if op in ("=", "!=", "<>"):
        equal = value == target or (target is False and value in (None, False, "", []))
        return equal if op == "=" else not equal
    if op in ("in", "not in"):
        targets = target if isinstance(target, list | tuple) else [target]
        found = value in targets or (value in (False, None) and False in targets)
        return found if op == "in" else not found
    if op in ("like", "not like", "ilike", "not ilike", "=like", "=ilike"):
        if target is False or target is None:
            return op.startswith("not") != (value in (False, None, ""))
        text = "" if value in (False, None) else str(value)
        found = bool(_like_regex(str(target), op.startswith("="), "ilike" in op).match(text))
        return not found if op.startswith("not") else found
    if value is None or value is False or target is None or target is False:
        return False
    try:
        return {"<": value < target, "<=": value <= target, ">": value > target, ">=": value >= target}[op]
    except TypeError:
        return False


class DomainCompiler:
    """Turns a domain into a predicate for one model of a registry (needs `env` for paths and child_of)."""

    def __init__(self, env, model):
        self.env = env
        self.model = model

    def compile(self, domain) -> Callable[[dict], bool]:
        tokens = normalize(list(domain or []))
        return self._parse(tokens)[0]

    def _parse(self, terms):
        term, rest = terms[0], terms[1:]
        if term == "!":
            inner, rest = self._parse(rest)
            return (lambda r: not inner(r)), rest
        if term in ("&", "|"):
            left, rest = self._parse(rest)
            right, rest = self._parse(rest)
            if term == "&":
                return (lambda r: left(r) and right(r)), rest
            return (lambda r: left(r) or right(r)), rest
        return self._leaf(term), rest

    def _invalid(self, leaf, name):
        if self.env.version < 12:
            table = self.model._name.replace(".", "_")
            text = f'Invalid field {name!r} in leaf "<osv.ExtendedLeaf: {tuple(leaf)!r} on {table} (ctx: )>"'
        else:
            text = f"Invalid field {self.model._name}.{name} in leaf {tuple(leaf)!r}"
        return ServerError("ValueError", text)

    def _leaf(self, leaf) -> Callable[[dict], bool]:
        if not is_leaf(leaf):
            raise ServerError("ValueError", f"Invalid leaf {leaf!r}")
        left, op, right = leaf
        if leaf in (TRUE_LEAF, FALSE_LEAF) or left in (0, 1):
            result = bool(left == right) if op == "=" else True
            return lambda r: result
        op = op.lower()
        if op not in OPERATORS:
            raise ServerError("ValueError", f"Invalid leaf {tuple(leaf)!r}")
        path = str(left).split(".")
        field = self.model.field(self.env, path[0])
        if field is None:
            raise self._invalid(leaf, path[0])
        if len(path) > 1 and field.relation:
            return self._path_leaf(field, path, op, right)
        if op in ("child_of", "parent_of"):
            return self._hierarchy_leaf(field, op, right)
        getter = self.model.value_getter(self.env, path[0])
        if field.type in ("many2one", "one2many", "many2many"):
            return self._relational_leaf(field, getter, op, right)
        if field.type in ("float", "monetary", "integer") and isinstance(right, str):
            with contextlib.suppress(ValueError):
                right = float(right)
        return lambda r: _compare(op, getter(r), right)

    def _relational_leaf(self, field, getter, op, right):
        comodel = self.env.registry.models[field.relation]
        if isinstance(right, str) or (isinstance(right, list | tuple) and any(isinstance(x, str) for x in right)):
            # a name: Odoo runs a name_search on the comodel
            names = right if isinstance(right, list | tuple) else [right]
            name_op = {"=": "=", "!=": "=", "in": "=", "not in": "="}.get(op, "ilike")
            ids = set()
            for name in names:
                ids |= set(comodel.search_ids(self.env, [(comodel._rec_name, name_op, name)], check=False))
            negate = op in ("!=", "not in", "not like", "not ilike")
            right, op = list(ids), "in"
        else:
            negate = False
        if field.type == "many2one":
            inner = lambda r: _compare(op, getter(r) or False, right)  # noqa: E731
        else:
            inner = lambda r: self._x2many_match(getter(r) or [], op, right)  # noqa: E731
        return (lambda r: not inner(r)) if negate else inner

    @staticmethod
    def _x2many_match(ids, op, right):
        targets = right if isinstance(right, list | tuple) else [right]
        if op in ("=", "in"):
            if right is False or right == []:
                return not ids
            return bool(set(ids) & set(targets))
        if op in ("!=", "<>", "not in"):
            if right is False:
                return bool(ids)
            return not set(ids) & set(targets)
        return False

    def _path_leaf(self, field, path, op, right):
        comodel = self.env.registry.models[field.relation]
        sub_ids = set(comodel.search_ids(self.env, [(".".join(path[1:]), op, right)], check=False, active_test=False))
        getter = self.model.value_getter(self.env, path[0])
        if field.type == "many2one":
            return lambda r: getter(r) in sub_ids
        return lambda r: bool(set(getter(r) or []) & sub_ids)

    def _hierarchy_leaf(self, field, op, right):
        comodel = self.env.registry.models[field.relation or self.model._name]
        roots = right if isinstance(right, list | tuple) else [right]
        ids = comodel.hierarchy_ids(self.env, [int(x) for x in roots if x], op == "child_of")
        getter = self.model.value_getter(self.env, field.name)
        if field.type == "many2one" or field.name == "id":
            return lambda r: getter(r) in ids
        return lambda r: bool(set(getter(r) or []) & ids)
