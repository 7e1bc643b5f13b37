"""Prepared statements for the few hot paths (webhook intake): the same INSERT or lookup, built once per model.

    insert_rows([obj, …], returning_pk=False)      # INSERT model instances of one model
    insert_unless(obj, dependents=[…], source_id="R-1")  # INSERT unless such a row exists (+ rows that refer to it)
    update_each(Model, {pk: {"field": value, …}, …}, state="mapped")   # each row its own values; rows changed
    select_values(Model, ["id", "code"], code="FR") # [(…), …]: raw column values, no conversion

The ORM compiles its statement anew on every `create()` / `bulk_create()` / `filter()`; on the webhook path that
compilation cost several times the statements themselves. Values still go through each field's own `pre_save`
and `get_db_prep_save` (auto_now, JSON, decimals, datetimes are adapted exactly as the ORM does), except a
string, integer or None in a plain text, integer, boolean or foreign-key field, which that conversion would
return unchanged (_AS_IS); so only the SQL text and those no-op calls are saved. No signals are sent: use these
only for models without save receivers.
"""

from django.db import connections, models, router
from django.db.models import Model


def _insert_fields(model) -> tuple:
    return tuple(f for f in model._meta.local_concrete_fields if not (f.primary_key and f.db_returning))


_statements: dict = {}  # (purpose, model, vendor, …) → SQL text

# Field classes (exactly these, not subclasses: an encrypting field overrides get_prep_value) whose conversion
# gives back a value of these types, or None, as it is: the attribute is the parameter. Every other field and
# value goes through pre_save and get_db_prep_save as in the ORM. On the webhook path that conversion was ~100
# calls per delivery for values that were already strings and integers.
_AS_IS = {models.CharField: (str,), models.TextField: (str,), models.SlugField: (str,), models.EmailField: (str,),
          models.IntegerField: (int,), models.BigIntegerField: (int,), models.SmallIntegerField: (int,),
          models.PositiveIntegerField: (int,), models.PositiveSmallIntegerField: (int,),
          models.BooleanField: (bool,), models.ForeignKey: (int,)}  # fmt: skip
_as_is: dict = {}  # (model, fields) → the plain types each field may pass as they are (() = always convert)


def _plain_types(model, fields) -> tuple:
    key = (model, tuple(fields))
    if key not in _as_is:
        _as_is[key] = tuple(_AS_IS.get(type(f), ()) for f in fields)
    return _as_is[key]


def _param(field, value, types, connection):
    return value if value is None or type(value) in types else field.get_db_prep_save(value, connection)


def _row(obj, fields, plain, connection) -> list:
    row = []
    for field, types in zip(fields, plain, strict=True):
        if types:
            value = getattr(obj, field.attname)
            if value is None or type(value) in types:
                row.append(value)
                continue
        row.append(field.get_db_prep_save(field.pre_save(obj, True), connection))
    return row


def _insert_sql(model, connection, returning: bool, skip_conflicts: bool) -> str:
    key = ("insert", model, connection.vendor, returning, skip_conflicts)
    if key in _statements:
        return _statements[key]
    quote, fields = connection.ops.quote_name, _insert_fields(model)
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"
    sql += " ON CONFLICT DO NOTHING" if skip_conflicts else ""  # PostgreSQL and SQLite ≥ 3.24
    _statements[key] = f"{sql} RETURNING {quote(model._meta.pk.column)}" if returning else sql
    return _statements[key]


def insert_rows(objs: list[Model], *, returning_pk: bool = False, skip_conflicts: bool = False) -> None:
    """INSERT instances of one model, every local concrete field but an auto primary key.

    `returning_pk`: set each instance's primary key from the database (one statement per row); otherwise
    one `executemany` for all rows. The instances become saved instances of the database they went to.
    `skip_conflicts` (with `returning_pk`): a row that would break a unique constraint is not inserted and its
    instance keeps `pk = None` — no IntegrityError, so no savepoint is needed around the insert."""
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    fields = _insert_fields(model)
    if skip_conflicts and not returning_pk:
        raise ValueError("skip_conflicts needs returning_pk: the caller must learn which rows were skipped")
    sql = _insert_sql(model, connection, returning_pk, skip_conflicts)
    plain = _plain_types(model, fields)
    rows = [_row(obj, fields, plain, connection) for obj in objs]
    with connection.cursor() as cursor:
        if returning_pk:
            for obj, row in zip(objs, rows, strict=True):
                cursor.execute(sql, row)
                returned = cursor.fetchone()
                obj.pk = returned[0] if returned else None
        elif len(rows) == 1:  # psycopg runs executemany in pipeline mode: three round trips for one row
            cursor.execute(sql, rows[0])
        else:
            cursor.executemany(sql, rows)
    for obj in objs:
        if obj.pk is not None:
            obj._state.adding, obj._state.db = False, alias


def _guarded_insert_sql(model, connection, keys: tuple, children: tuple) -> str:
    """children: ((model, foreign key), …) of the dependent rows, in order (PostgreSQL only)."""
    key = ("insert_unless", model, connection.vendor, keys, children)
    if key in _statements:
        return _statements[key]
    meta, quote = model._meta, connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    where = " AND ".join(f"{quote(meta.get_field(k).column)} = %s" for k in keys)
    sql = (
        f"INSERT INTO {table} ({_columns(model, connection)}) SELECT {_values(_insert_fields(model), connection)} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {where}) ON CONFLICT DO NOTHING RETURNING {pk}"
    )
    if children:
        # Data-modifying CTEs: each dependent row is inserted from the parent's RETURNING, so none is written when
        # the parent is not; foreign keys are checked at the end of the statement, when the parent row exists.
        inserts = [sql] + [
            f"INSERT INTO {quote(child._meta.db_table)} ({_columns(child, connection)}) "
            f"SELECT {_values(_insert_fields(child), connection, fk=(fk, f'parent.{pk}'))} FROM parent"
            for child, fk in children
        ]  # fmt: skip
        names = ["parent"] + [f"child_{n}" for n in range(len(children))]
        ctes = ", ".join(f"{name} AS ({insert})" for name, insert in zip(names, inserts, strict=True))
        sql = f"WITH {ctes} SELECT {pk} FROM parent"
    _statements[key] = sql
    return sql


def _columns(model, connection) -> str:
    return ", ".join(connection.ops.quote_name(f.column) for f in _insert_fields(model))


def _values(fields, connection, fk=(None, "")) -> str:
    # PostgreSQL types a bare parameter in a SELECT list as text, which no integer, date or JSON column takes:
    # each gets its column's type. Strings stay untyped, so a too-long one still fails as in an INSERT … VALUES
    # (an explicit cast to varchar(n) would cut it short without a word).
    return ", ".join(fk[1] if f is fk[0] else f"%s{_cast(f, connection)}" for f in fields)


_STRINGS = {models.CharField, models.TextField, models.SlugField, models.EmailField}


def _cast(field, connection) -> str:
    if connection.vendor != "postgresql" or type(field) in _STRINGS:
        return ""
    return f"::{field.cast_db_type(connection)}"


def _foreign_key(child: Model, parent_model):
    [fk] = [f for f in _insert_fields(type(child)) if f.is_relation and f.related_model is parent_model]
    return fk


def insert_unless(obj: Model, *, dependents: list[Model] = (), **exists) -> bool:
    """INSERT one instance unless a row of its model has the field values `exists`, or the row would break a
    unique constraint — the check and the insert in one statement. Returns True and sets the primary key when
    it inserted; otherwise nothing is written and the instance keeps `pk = None` (no IntegrityError, so no
    savepoint). Values are converted as in insert_rows.

    `dependents`: instances of other models, each with one foreign key to obj's model, inserted with it when it
    is inserted (their key set to it): on PostgreSQL in the same statement, elsewhere by insert_rows after it.
    Their unique constraints are not skipped: a conflict raises IntegrityError (roll the transaction back)."""
    model = type(obj)
    alias = router.db_for_write(model)
    connection = connections[alias]
    fields, keys = _insert_fields(model), tuple(sorted(exists))
    meta = model._meta
    links = [(row, _foreign_key(row, model)) for row in dependents]
    in_statement = connection.vendor == "postgresql" and bool(links)
    params = _row(obj, fields, _plain_types(model, fields), connection)
    params += [meta.get_field(k).get_db_prep_save(exists[k], connection) for k in keys]
    if in_statement:
        for row, fk in links:
            child = _insert_fields(type(row))
            values = _row(row, child, _plain_types(type(row), child), connection)
            params += [v for f, v in zip(child, values, strict=True) if f is not fk]
    children = tuple((type(row), fk) for row, fk in links) if in_statement else ()
    with connection.cursor() as cursor:
        cursor.execute(_guarded_insert_sql(model, connection, keys, children), params)
        returned = cursor.fetchone()
    if returned is None:
        return False
    obj.pk = returned[0]
    obj._state.adding, obj._state.db = False, alias
    for row, fk in links:
        setattr(row, fk.name, obj)
    if not in_statement:
        insert_each_model(dependents)
    return True


def insert_each_model(objs: list[Model]) -> None:
    """insert_rows for instances of several models: one call per model, models in order of first appearance."""
    for model in dict.fromkeys(type(obj) for obj in objs):
        insert_rows([obj for obj in objs if type(obj) is model])


def _select_sql(model, connection, columns: tuple, keys: tuple) -> str:
    key = ("select", model, connection.vendor, columns, keys)
    if key in _statements:
        return _statements[key]
    meta, quote = model._meta, connection.ops.quote_name
    names = ", ".join(quote(meta.get_field(c).column) for c in columns)
    where = " AND ".join(f"{quote(meta.get_field(k).column)} = %s" for k in keys)
    _statements[key] = f"SELECT {names} FROM {quote(meta.db_table)} WHERE {where}"
    return _statements[key]


def select_values(model, columns: list[str], **equals) -> list[tuple]:
    """The rows of `model` whose fields equal `equals`, as tuples of the raw column values of `columns`.
    No from-database conversion is applied: ask for integers and strings only."""
    connection = connections[router.db_for_read(model)]
    keys = tuple(sorted(equals))
    sql = _select_sql(model, connection, tuple(columns), keys)
    with connection.cursor() as cursor:
        cursor.execute(sql, [equals[k] for k in keys])
        return cursor.fetchall()


def _update_sql(model, connection, names: tuple, keys: tuple) -> str:
    key = ("update", model, connection.vendor, names, keys)
    if key not in _statements:
        meta, quote = model._meta, connection.ops.quote_name
        assignments = ", ".join(f"{quote(meta.get_field(n).column)} = %s" for n in names)
        where = " AND ".join(f"{quote(f.column)} = %s" for f in (meta.pk, *(meta.get_field(k) for k in keys)))
        _statements[key] = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {where}"
    return _statements[key]


def update_each(model, changes: dict, **where) -> int:
    """Set each row (by primary key) its own field values, only where its fields also equal `where`; one
    executemany per set of field names. Returns how many rows changed. Values are converted by their fields
    (as insert_rows does); no signals, no auto_now: give every value. The ORM's alternative, one UPDATE with a
    CASE per field, took longer to compile than to run (250 WHENs per field for a batch of 250)."""
    if not changes:
        return 0
    connection = connections[router.db_for_write(model)]
    meta, keys = model._meta, tuple(sorted(where))
    by_names: dict[tuple, list] = {}
    for pk, values in changes.items():
        by_names.setdefault(tuple(sorted(values)), []).append((pk, values))
    changed = 0
    with connection.cursor() as cursor:
        for names, group in by_names.items():
            fields = [meta.get_field(n) for n in names]
            plain = _plain_types(model, fields)
            tail = [meta.get_field(k).get_db_prep_save(where[k], connection) for k in keys]
            params = [[*(_param(f, values[n], t, connection) for f, n, t in zip(fields, names, plain, strict=True)),
                       meta.pk.get_db_prep_save(pk, connection), *tail] for pk, values in group]  # fmt: skip
            cursor.executemany(_update_sql(model, connection, names, keys), params)
            changed += cursor.rowcount
    return changed
