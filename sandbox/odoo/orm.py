"""The generic ORM every sandbox model inherits: search/read/create/write/unlink with Odoo's rules.

Public (RPC-callable) methods are marked with `@public`; `model=True` marks `@api.model` methods (called
without ids). Subclasses declare `FIELDS` (name → Field, with version bounds) and override the `_hook_*`
methods for business rules. All methods take the call's `env` first.
"""

from __future__ import annotations

import contextlib
import datetime

from . import fields as F
from .access import OPERATION_WORDS, AccessMixin
from .domain import DomainCompiler, is_leaf
from .env import SignatureError
from .errors import OLD_INTEGRITY, OdooError, ServerError, ValidationError, old_str


def public(model=False, since=None, until=None):
    def mark(fn):
        fn._rpc = {"model": model, "since": since, "until": until}
        return fn

    return mark


class _LoadFailed(Exception):
    """Undoes a `load()` that reported errors (its answer is still a normal return)."""


def _import_records(columns, data):
    """(index of its first row, its rows) per record: a row with values only under one2many columns continues the
    record above it."""
    own = [p for p, (name, field, _) in enumerate(columns) if field is None or field.type != "one2many"]
    records = []
    for index, row in enumerate(data):
        if len(row) != len(columns):
            raise ServerError("ValueError", f"row {index} has {len(row)} values for {len(columns)} columns")
        if records and not any(row[p] not in ("", None) for p in own):
            records[-1][1].append(row)
        else:
            records.append((index, [row]))
    return records


def _import_value(field, text):
    if field.type == "boolean":
        return str(text).strip().lower() in ("1", "true", "yes")
    if text in ("", None):
        return [] if field.type == "many2many" else False
    if field.type in ("integer", "many2one", "many2many"):
        numbers = [part.strip() for part in str(text).split(",")] if field.type == "many2many" else [str(text).strip()]
        if not all(number.lstrip("-").isdigit() for number in numbers):
            raise ValueError(f"'{text}' does not seem to be an integer for field '{field.string}'")
        if field.type == "many2many":
            return [[6, 0, [int(number) for number in numbers]]]
    return text


def _import_message(env, error, first: int, last: int, record: int) -> dict:
    message = {"rows": {"from": first, "to": last}, "record": record, "type": "error"}
    if getattr(error, "database_message", None):
        return {**message, "message": error.database_message}
    if isinstance(error, ValueError):
        return {**message, "message": str(error)}
    shown = old_str(error) if env.version < 12 else error.message  # Odoo 11's exceptions print as their args
    text = f"Unknown error during import: <class '{error.qualname}'>: {shown}"
    return {**message, "message": text, "moreinfo": "Resolve other errors first"}


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


class Model(AccessMixin):
    _name = ""
    _description = ""
    _rec_name = "name"
    _order = "id"
    _company_field: str | None = None
    _parent_field: str | None = None
    _acl: dict = {}
    _since: int | None = None
    _until: int | None = None
    FIELDS: dict = {}

    @classmethod
    def exists_in(cls, version: int) -> bool:
        return (cls._since is None or version >= cls._since) and (cls._until is None or version <= cls._until)

    def __init__(self, registry):
        self.registry = registry
        self.version = registry.version
        self._table = self._name.replace(".", "_")
        specs = {
            "id": F.integer("ID", readonly=True),
            "display_name": F.char("Display Name", compute=lambda env, r: self.display_name(env, r)),
            "create_date": F.datetime_("Created on", readonly=True),
            "write_date": F.datetime_("Last Updated on", readonly=True),
            "create_uid": F.many2one("res.users", "Created by", readonly=True),
            "write_uid": F.many2one("res.users", "Last Updated by", readonly=True),
        }
        for klass in reversed(type(self).__mro__):
            specs.update(getattr(klass, "FIELDS", {}) if "FIELDS" in vars(klass) else {})
        self.fields = {}
        for key, field in specs.items():
            if field.exists_in(self.version):  # "name@18" declares another variant of field "name"
                field.name = key.split("@")[0]
                self.fields[field.name] = field
        self.public_methods = {}
        for attr in dir(type(self)):
            fn = getattr(type(self), attr, None)
            rpc = getattr(fn, "_rpc", None)
            if rpc and (rpc["since"] or 0) <= self.version <= (rpc["until"] or 99):
                self.public_methods[attr] = getattr(self, attr).__func__

    # -- helpers ---------------------------------------------------------------------------------------------
    def field(self, env, name):
        return self.fields.get(name)

    def value_getter(self, env, name):
        field = self.fields[name]
        if field.compute:
            return lambda r: field.compute(env, r)
        if field.type == "one2many":
            relation, inverse = field.relation, field.inverse
            return lambda r: env.store.children(relation, inverse, r["id"])
        if name == "id":
            return lambda r: r["id"]
        default = [] if field.type == "many2many" else False
        return lambda r: r.get(name, default)

    def display_name(self, env, rec) -> str:
        value = rec.get(self._rec_name)
        return str(value) if value else f"{self._description},{rec['id']}"

    def rows(self, env):
        return env.store.table(self._name)

    def hierarchy_ids(self, env, roots, down=True) -> set:
        """child_of / parent_of closure over `_parent_field` (roots included)."""
        found, todo, table = set(), list(roots), self.rows(env)
        parent = self._parent_field
        while todo:
            rid = todo.pop()
            if rid in found:
                continue
            found.add(rid)
            if not parent:
                continue
            if down:
                todo.extend(i for i, r in table.items() if r.get(parent) == rid)
            elif table.get(rid, {}).get(parent):
                todo.append(table[rid][parent])
        return found

    # -- search ----------------------------------------------------------------------------------------------
    def search_ids(self, env, domain, offset=0, limit=None, order=None, check=True, active_test=True):
        if check:
            self.check_acl(env, "read")
        domain = list(domain or [])
        if not isinstance(domain, list):
            raise ServerError("TypeError", "domain must be a list")
        predicate = DomainCompiler(env, self).compile(domain)
        filter_active = (
            active_test
            and "active" in self.fields
            and env.context.get("active_test", True)
            and not any(isinstance(t, list | tuple) and t and t[0] == "active" for t in domain)
        )
        rows = [
            r
            for r in self._candidates(env, domain)
            if (not filter_active or r.get("active", True))
            and (not check or self.company_visible(env, r))
            and predicate(r)
        ]
        rows = self.sort(env, rows, order)
        offset = int(offset or 0)
        rows = rows[offset : offset + int(limit)] if limit else rows[offset:]
        return [r["id"] for r in rows]

    _INDEXED_TYPES = ("char", "selection", "text")

    def _candidates(self, env, domain):
        """The rows a domain can match. A plain conjunction with an exact-match leaf (`=` a string, `in` strings)
        on a stored text field narrows to that value's ids through the store's index; the caller's predicate
        still tests every candidate, so this changes the speed of a search, never its result."""
        table = self.rows(env)
        if all(is_leaf(t) for t in domain):
            for name, op, value in domain:
                field = self.fields.get(name) if isinstance(name, str) else None
                if field is None or not field.store or field.type not in self._INDEXED_TYPES:
                    continue
                values = [value] if op == "=" else value if op == "in" else None
                if isinstance(values, list | tuple) and all(isinstance(v, str) for v in values):
                    return [table[i] for i in env.store.matching(self._name, name, values)]
        return table.values()

    def sort(self, env, rows, order):
        spec = (order or self._order or "id").split(",")
        for part in reversed([p.strip() for p in spec if p.strip()]):
            bits = part.split()
            name, desc = bits[0], len(bits) > 1 and bits[1].lower() == "desc"
            if name not in self.fields:
                if env.version < 12:
                    raise ServerError("ValueError", f"Sorting field {name} not found on model {self._name}")
                raise ServerError("ValueError", f"Invalid field {name!r} on model {self._name!r}")
            getter = self.value_getter(env, name)

            def key(r, getter=getter):
                value = getter(r)
                return (value in (False, None, ""), value if not isinstance(value, list) else value[:1])

            rows.sort(key=key, reverse=desc)
        return rows

    # -- read ------------------------------------------------------------------------------------------------
    def read_rows(self, env, ids, fields=None) -> list[dict]:
        names = [f for f in (fields or []) if isinstance(f, str)]
        if names:
            unknown = [f for f in names if f not in self.fields]
            if unknown and env.version >= 12:
                raise ServerError("ValueError", f"Invalid field {unknown[0]!r} on model {self._name!r}")
            names = [f for f in names if f in self.fields]
        else:
            names = list(self.fields)
        getters = {n: (self.fields[n], self.value_getter(env, n)) for n in names if n != "id"}
        table = self.rows(env)
        result = []
        for rid in ids:
            rec = table[rid]
            row = {"id": rid}
            for name, (field, getter) in getters.items():
                row[name] = F.to_client(env, field, getter(rec))
            result.append(row)
        return result

    # -- create / write / unlink -----------------------------------------------------------------------------
    def convert_vals(self, env, vals) -> tuple[dict, dict]:
        """Split client values into stored values and x2many commands; unknown fields per version."""
        if not isinstance(vals, dict):
            raise ServerError("AttributeError", f"'{type(vals).__name__}' object has no attribute 'get'")
        stored, commands = {}, {}
        for name, value in vals.items():
            field = self.fields.get(name)
            if field is None or name in ("id", "display_name"):
                if env.version >= 12 and name != "id":
                    raise ServerError("ValueError", f"Invalid field {name!r} on model {self._name!r}")
                continue  # Odoo 11 logs a warning and ignores it
            if field.type in ("one2many", "many2many"):
                commands[name] = value
            elif field.store:
                stored[name] = F.convert(env, self, field, value)
        return stored, commands

    def apply_commands(self, env, rid, name, value):
        field = self.fields[name]
        comodel = self.registry.models[field.relation]
        if isinstance(value, list) and value and all(isinstance(v, int) for v in value):
            value = [(6, 0, value)]
        for command in value or []:
            if not isinstance(command, list | tuple) or not command:
                raise ServerError("ValueError", f"Wrong value for {self._name}.{name}: {command!r}")
            code = command[0]
            if field.type == "one2many":
                self._o2m_command(env, rid, field, comodel, code, command)
            else:
                current = list(self.rows(env)[rid].get(name) or [])
                if code == 6:
                    current = [int(i) for i in command[2]]
                elif code == 4:
                    current = current if command[1] in current else [*current, command[1]]
                elif code in (3, 2):
                    current = [i for i in current if i != command[1]]
                elif code == 5:
                    current = []
                elif code == 0:
                    current.append(comodel.create_records(env, [command[2]])[0])
                env.store.update(self._name, rid, {name: current})

    def _o2m_command(self, env, rid, field, comodel, code, command):
        if code == 0:
            comodel.create_records(env, [{**command[2], field.inverse: rid}])
        elif code == 1:
            comodel.write_records(env, [command[1]], command[2])
        elif code in (2, 3):
            comodel.unlink_records(env, [command[1]])
        elif code == 5:
            comodel.unlink_records(env, self.value_getter(env, field.name)(self.rows(env)[rid]))
        elif code in (4, 6):
            targets = [command[1]] if code == 4 else command[2]
            comodel.write_records(env, list(targets), {field.inverse: rid})

    def defaults(self, env) -> dict:
        values = {}
        for name, field in self.fields.items():
            if field.default is not None and field.store:
                values[name] = field.default(env) if callable(field.default) else field.default
        return values

    def required_error(self, env, name):
        field = self.fields[name]
        if env.version < 12:  # the IntegrityError becomes a ValidationError (faultCode 1 in 11)
            return ValidationError(OLD_INTEGRITY.format(desc=self._description, model=self._name))
        return ValidationError(
            "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
            "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
            f"Model: {self._description} ({self._name})\nField: {field.string} ({name})\n"
        )

    def create_records(self, env, vals_list) -> list[int]:
        self.check_acl(env, "create")
        ids = []
        for vals in vals_list:
            vals = self._hook_prepare_create(env, dict(vals) if isinstance(vals, dict) else vals)
            stored, commands = self.convert_vals(env, vals)
            values = {**self.defaults(env), **stored}
            for name, field in self.fields.items():
                if field.required and field.store and values.get(name) in (None, False, "") and field.type != "boolean":
                    raise self.required_error(env, name)
            stamp = now()
            values.update(create_date=stamp, write_date=stamp, create_uid=env.uid, write_uid=env.uid)
            rid = env.store.insert(self._name, values)
            if not self.company_visible(env, env.store.get(self._name, rid)):
                raise self.rule_error(env, [rid], "create")
            for name, value in commands.items():
                self.apply_commands(env, rid, name, value)
            self._hook_after_create(env, rid, vals)
            ids.append(rid)
        self._hook_constraints(env, ids)
        return ids

    def write_records(self, env, ids, vals) -> bool:
        self.check_acl(env, "write")
        ids = self.browse_checked(env, ids, "write")
        stored, commands = self.convert_vals(env, vals)
        self._hook_before_write(env, ids, stored, commands)
        stored.update(write_date=now(), write_uid=env.uid)
        for rid in ids:
            env.store.update(self._name, rid, stored)
            if not self.company_visible(env, env.store.get(self._name, rid)):
                raise self.rule_error(env, [rid], "write")
            for name, value in commands.items():
                self.apply_commands(env, rid, name, value)
        self._hook_after_write(env, ids, stored, commands)
        self._hook_constraints(env, ids)
        return True

    def unlink_records(self, env, ids) -> bool:
        self.check_acl(env, "unlink")
        ids = self.browse_checked(env, ids, "unlink")
        self._hook_before_unlink(env, ids)
        for field in self.fields.values():
            if field.type == "one2many" and field.ondelete == "cascade":
                comodel = self.registry.models[field.relation]
                children = [c for i in ids for c in env.store.children(field.relation, field.inverse, i)]
                if children:
                    comodel.unlink_records(env, children)
        for rid in ids:
            env.store.delete(self._name, rid)
        return True

    # -- hooks -----------------------------------------------------------------------------------------------
    def _hook_prepare_create(self, env, vals):
        if self._company_field == "company_id" and isinstance(vals, dict) and "company_id" in self.fields:
            vals.setdefault("company_id", env.company)
        return vals

    def _hook_after_create(self, env, rid, vals):
        pass

    def _hook_before_write(self, env, ids, stored, commands):
        pass

    def _hook_after_write(self, env, ids, stored, commands):
        pass

    def _hook_before_unlink(self, env, ids):
        pass

    def _hook_constraints(self, env, ids):
        pass

    # -- public ORM methods ----------------------------------------------------------------------------------
    @public(model=True)
    def search(self, env, domain, offset=0, limit=None, order=None, count=None):
        if count is not None and env.version >= 17:  # 17 removed the parameter
            raise SignatureError("TypeError", "search() got an unexpected keyword argument 'count'")
        if count:
            return len(self.search_ids(env, domain))
        return self.search_ids(env, domain, offset, limit, order)

    @public(model=True)
    def search_count(self, env, domain, limit=None):
        return len(self.search_ids(env, domain, limit=limit))

    @public(model=True)
    def search_read(self, env, domain=None, fields=None, offset=0, limit=None, order=None):
        ids = self.search_ids(env, domain or [], offset, limit, order)
        return self.read_rows(env, ids, fields)

    @public()
    def read(self, env, ids, fields=None, load="_classic_read"):
        self.check_acl(env, "read")
        ids = self.browse_checked(env, ids, "read")
        return self.read_rows(env, ids, fields)

    @public(model=True)
    def create(self, env, vals_list):
        if isinstance(vals_list, list):
            if env.version < 12:
                raise ServerError("AttributeError", "'list' object has no attribute 'get'")
            return self.create_records(env, vals_list)
        return self.create_records(env, [vals_list])[0]

    @public(model=True)
    def load(self, env, fields, data):
        """Odoo's import: rows of text under column names, created all or nothing; {ids, messages}. Every record is
        tried (each in a savepoint, as Odoo does) so that all errors are reported; any error undoes them all.
        Columns: `id` (an external id: its record is written if it exists, else created and tagged), stored fields,
        `<many2one or many2many>/.id`, and `<one2many>/<column>` on the rows that follow a record's first row.
        Odoo's other relational paths (names, external ids of targets) are not emulated."""
        columns = [self._import_column(env, str(name)) for name in fields]
        ids, messages = [], []
        with contextlib.suppress(_LoadFailed), env.store.savepoint():
            for index, (first, rows) in enumerate(_import_records(columns, data)):
                try:
                    xmlid, vals = self._import_vals(env, columns, rows)
                    with env.store.savepoint():
                        ids.append(self._import_record(env, xmlid, vals))
                except (OdooError, ValueError) as error:
                    messages.append(_import_message(env, error, first, first + len(rows) - 1, index))
            if messages:
                raise _LoadFailed
        return {"ids": False if messages else ids, "messages": messages}

    def _import_column(self, env, name, nested=False):
        """(field name or "id", field, the rest of the path — for a one2many, its line model's column)."""
        head, _, rest = name.partition("/")
        field = self.fields.get(head)
        if head == "id" and not nested:
            return "id", None, ""
        if field is not None and field.type == "one2many" and rest and not nested:
            return head, field, self.registry.models[field.relation]._import_column(env, rest, nested=True)
        relational = field is not None and field.type in ("many2one", "many2many")
        if field is None or not field.store or ((rest or relational) and (rest != ".id" or not relational)):
            raise ServerError("ValueError", f"the sandbox's load() does not import the column {name!r}")
        return head, field, rest

    def _import_vals(self, env, columns, rows):
        xmlid, vals = "", {}
        for position, (name, field, _) in enumerate(columns):
            if name == "id":
                xmlid = rows[0][position]
            elif field.type != "one2many":
                vals[name] = _import_value(field, rows[0][position])
        for name in dict.fromkeys(n for n, f, _ in columns if f is not None and f.type == "one2many"):
            mine = [(p, line_column) for p, (n, _, line_column) in enumerate(columns) if n == name]
            commands = [[0, 0, {sub: _import_value(sub_field, row[p]) for p, (sub, sub_field, _) in mine}]
                        for row in rows if any(row[p] not in ("", None) for p, _ in mine)]  # fmt: skip
            vals[name] = commands
        return xmlid, vals

    def _import_record(self, env, xmlid, vals) -> int:
        """As Odoo 11's `ir.model.data._update`: an external id of a live record writes it; a stale one is dropped
        and the record created and tagged anew."""
        if not xmlid:
            return self.create_records(env, [vals])[0]
        module, _, name = xmlid.rpartition(".")
        data = self.registry.models["ir.model.data"]
        for tag in data._named(env, module, name):
            if tag["model"] != self._name:
                raise ValueError(f"External ID conflict, {xmlid} already refers to a `{tag['model']}` record")
            if tag["res_id"] in self.rows(env):
                self.write_records(env, [tag["res_id"]], vals)
                return tag["res_id"]
            env.store.delete("ir.model.data", tag["id"])
        rid = self.create_records(env, [vals])[0]
        data.create_records(env, [{"module": module, "name": name, "model": self._name, "res_id": rid}])
        return rid

    @public()
    def write(self, env, ids, vals):
        return self.write_records(env, ids, vals)

    @public()
    def unlink(self, env, ids):
        return self.unlink_records(env, ids)

    @public(model=True)
    def fields_get(self, env, allfields=None, attributes=None):
        self.check_acl(env, "read")
        names = allfields or list(self.fields)
        result = {}
        for name in names:
            if name in self.fields:
                info = self.fields[name].describe()
                if attributes:
                    info = {k: v for k, v in info.items() if k in attributes}
                result[name] = info
        return result

    @public(model=True)
    def name_search(self, env, name="", domain=None, operator="ilike", limit=100, args=None):
        """`args` is the pre-18 keyword name of `domain`."""
        domain = list(domain or args or [])
        if name:
            domain = [*domain, (self._rec_name, operator, name)]
        ids = self.search_ids(env, domain, limit=limit)
        table = self.rows(env)
        return [[i, self.display_name(env, table[i])] for i in ids]

    @public(model=True)
    def check_access_rights(self, env, operation, raise_exception=True):
        if operation not in OPERATION_WORDS:
            raise ServerError("ValueError", f"Invalid access mode: {operation}")
        return self.check_acl(env, operation, raise_exception)

    @public(model=True, since=18)
    def has_access(self, env, operation):
        return self.check_acl(env, operation, False)

    @public()
    def exists(self, env, ids):
        return [i for i in ids if i in self.rows(env)]

    @public()
    def name_get(self, env, ids):
        ids = self.browse_checked(env, ids, "read")
        return [[i, self.display_name(env, self.rows(env)[i])] for i in ids]
