"""Prepared statements for the few hot paths (webhook intake): the same INSERT or lookup, built once per model.

    insert_rows([obj, …], returning_pk=False)      # INSERT model instances of one model
    select_values(Model, ["id", "code"], code="FR") # [(…), …]: raw column values, no conversion

The ORM compiles its statement anew on every `create()` / `bulk_create()` / `filter()`; on the webhook path that
compilation cost several times the statements themselves. Values still go through each field's own `pre_save`
and `get_db_prep_save` (auto_now, JSON, decimals, datetimes, foreign keys are adapted exactly as the ORM does),
so only the SQL text is cached. No signals are sent: use these only for models without save receivers.
"""

from django.db import connections, router
from django.db.models import Model


def _insert_fields(model) -> tuple:
    return tuple(f for f in model._meta.local_concrete_fields if not (f.primary_key and f.db_returning))


_statements: dict = {}  # (purpose, model, vendor, …) → SQL text


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
    rows = [[f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objs]
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
