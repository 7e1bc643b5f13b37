"""Field declarations and value conversion (what Odoo stores and what it answers on read)."""

from __future__ import annotations

import datetime
import xmlrpc.client

from .errors import OLD_INTEGRITY, ServerError, ValidationError


class Field:
    """One field of a model; `since`/`until` bound the server versions that have it (inclusive)."""

    __slots__ = (
        "compute",
        "default",
        "inverse",
        "name",
        "ondelete",
        "readonly",
        "relation",
        "required",
        "selection",
        "since",
        "store",
        "string",
        "type",
        "until",
    )

    def __init__(
        self,
        type,
        string,
        relation=None,
        *,
        inverse=None,
        required=False,
        readonly=False,
        selection=None,
        default=None,
        compute=None,
        since=None,
        until=None,
        ondelete=None,
    ):
        self.type = type
        self.string = string
        self.relation = relation
        self.inverse = inverse
        self.required = required
        self.readonly = readonly
        self.selection = selection
        self.default = default
        self.compute = compute
        self.store = compute is None and type != "one2many"
        self.since = since
        self.until = until
        self.ondelete = ondelete
        self.name = ""

    def exists_in(self, version: int) -> bool:
        return (self.since is None or version >= self.since) and (self.until is None or version <= self.until)

    def describe(self) -> dict:
        """The fields_get() entry."""
        info = {
            "type": self.type,
            "string": self.string,
            "required": self.required,
            "readonly": self.readonly or not self.store,
            "store": self.store,
            "searchable": True,
            "sortable": self.store,
            "manual": False,
            "company_dependent": False,
            "depends": [],
        }
        if self.relation:
            info["relation"] = self.relation
            info["context"] = {}
            info["domain"] = []
        if self.inverse:
            info["relation_field"] = self.inverse
        if self.selection:
            info["selection"] = [list(pair) for pair in self.selection]
        return info


def char(string, **kw):
    return Field("char", string, **kw)


def text(string, **kw):
    return Field("text", string, **kw)


def integer(string, **kw):
    return Field("integer", string, **kw)


def floatf(string, **kw):
    return Field("float", string, **kw)


def monetary(string, **kw):
    return Field("monetary", string, **kw)


def boolean(string, **kw):
    return Field("boolean", string, **kw)


def date(string, **kw):
    return Field("date", string, **kw)


def datetime_(string, **kw):
    return Field("datetime", string, **kw)


def selection(string, options, **kw):
    return Field("selection", string, selection=options, **kw)


def many2one(relation, string, **kw):
    return Field("many2one", string, relation, **kw)


def one2many(relation, inverse, string, **kw):
    return Field("one2many", string, relation, inverse=inverse, **kw)


def many2many(relation, string, **kw):
    return Field("many2many", string, relation, **kw)


def jsonf(string, **kw):
    return Field("json", string, **kw)


def _fk_error(env, model, field, value):
    if env.version < 12:  # Odoo 11 turns the IntegrityError into this ValidationError (faultCode 1 in 11)
        comodel = env.registry.models.get(field.relation)
        desc = comodel._description if comodel else field.relation
        return ValidationError(OLD_INTEGRITY.format(desc=desc, model=field.relation))
    return ValidationError(
        "The operation cannot be completed: another model requires the record being deleted. "
        "If possible, archive it instead.\n\n"
        f"Model: {model._description} ({model._name})\nConstraint: {model._table}_{field.name}_fkey\n"
    )


def to_date(value, with_time=False):
    if isinstance(value, xmlrpc.client.DateTime):
        value = str(value)
        value = f"{value[0:4]}-{value[4:6]}-{value[6:8]} {value[9:17]}"
    if isinstance(value, datetime.datetime | datetime.date):
        value = value.isoformat(" ")
    text = str(value)
    try:
        if with_time:
            return datetime.datetime.fromisoformat(text[:19]).strftime("%Y-%m-%d %H:%M:%S")
        return datetime.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        fmt = "%Y-%m-%d %H:%M:%S" if with_time else "%Y-%m-%d"
        raise ServerError("ValueError", f"time data {text!r} does not match format {fmt!r}") from None


def convert(env, model, field, value):
    """A value sent by a client → the stored value; raises Odoo's errors for bad types and missing targets."""
    if value is None or value is False:
        return [] if field.type == "many2many" else (0.0 if field.type in ("float", "monetary") else False)
    kind = field.type
    if kind == "many2one":
        if isinstance(value, list | tuple):
            value = value[0]
        if isinstance(value, bool) or not isinstance(value, int):
            try:
                value = int(value)
            except (TypeError, ValueError):
                sql = f'LINE 1: UPDATE "{model._table}" SET "{field.name}"=\'{value}\',...'
                raise ServerError(
                    "psycopg2.errors.InvalidTextRepresentation",
                    f'invalid input syntax for type integer: "{value}"',
                    trailer=f"{sql}\n{' ' * sql.index(chr(39))}^\n\n",
                ) from None
        if env.store.get(field.relation, value) is None:
            raise _fk_error(env, model, field, value)
        return value
    if kind in ("float", "monetary"):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ServerError(
                "psycopg2.errors.InvalidTextRepresentation", f'invalid input syntax for type numeric: "{value}"'
            ) from None
    if kind == "integer":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ServerError(
                "psycopg2.errors.InvalidTextRepresentation", f'invalid input syntax for type integer: "{value}"'
            ) from None
    if kind == "boolean":
        return bool(value)
    if kind in ("date", "datetime"):
        return to_date(value, kind == "datetime")
    if kind == "selection":
        if value not in {k for k, _ in field.selection}:
            raise ServerError("ValueError", f"Wrong value for {model._name}.{field.name}: {value!r}")
        return value
    if kind == "json":
        if not isinstance(value, dict):
            raise ServerError("ValueError", f"Wrong value for {model._name}.{field.name}: {value!r}")
        return {str(k): v for k, v in value.items()}
    if kind in ("char", "text"):
        return str(value)
    return value


def to_client(env, field, value):
    """A stored value → what read() answers."""
    kind = field.type
    if kind == "many2one":
        if not value:
            return False
        comodel = env.registry.models.get(field.relation)
        rec = env.store.get(field.relation, value)
        return [value, comodel.display_name(env, rec) if rec and comodel else str(value)]
    if kind in ("one2many", "many2many"):
        return list(value or [])
    if kind in ("float", "monetary"):
        return float(value or 0.0)
    if kind == "integer":
        return int(value or 0)
    if kind == "boolean":
        return bool(value)
    if value is None or value == "":
        return False
    return value
