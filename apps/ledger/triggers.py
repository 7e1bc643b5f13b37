"""Database triggers that refuse UPDATE and DELETE on the ledger tables (SQLite and PostgreSQL).

Installed by migration 0002. A payload row may be deleted only when its archive tombstone exists (retention);
everything else is refused. `install`/`uninstall` are also used by the test-only `flush` override and by tests
that simulate an attacker who drops the triggers to edit a row.
"""

from __future__ import annotations

ENTRY, PAYLOAD, TOMBSTONE = "ledger_ledgerentry", "ledger_ledgerpayload", "ledger_ledgerarchivedpayload"

_SQLITE_REFUSE = (
    "CREATE TRIGGER {name} BEFORE {op} ON {table} {when}"
    "BEGIN SELECT RAISE(ABORT, 'ledger is append-only: {op} on {table} refused'); END"
)
_PAYLOAD_NOT_ARCHIVED = f"FOR EACH ROW WHEN NOT EXISTS (SELECT 1 FROM {TOMBSTONE} t WHERE t.sequence = OLD.sequence) "


def _sqlite_triggers() -> dict[str, str]:
    triggers = {}
    for table in (ENTRY, PAYLOAD, TOMBSTONE):
        for op in ("UPDATE", "DELETE"):
            name = f"{table}_no_{op.lower()}"
            when = _PAYLOAD_NOT_ARCHIVED if (table, op) == (PAYLOAD, "DELETE") else ""
            triggers[name] = _SQLITE_REFUSE.format(name=name, op=op, table=table, when=when)
    return triggers


_PG_FUNCTIONS = [
    """CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION ledger_refuse_unarchived_payload_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM {TOMBSTONE} t WHERE t.sequence = OLD.sequence) THEN
            RAISE EXCEPTION 'ledger is append-only: DELETE on % refused (payload % not archived)',
                TG_TABLE_NAME, OLD.sequence;
        END IF;
        RETURN OLD;
    END $$""",
]


def _pg_triggers() -> dict[str, str]:
    triggers = {}
    for table in (ENTRY, PAYLOAD, TOMBSTONE):
        row_ops = "UPDATE" if table == PAYLOAD else "UPDATE OR DELETE"
        triggers[f"{table}_no_change"] = (
            f"CREATE TRIGGER {table}_no_change BEFORE {row_ops} ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
        )
        triggers[f"{table}_no_truncate"] = (
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()"
        )
    triggers[f"{PAYLOAD}_delete_archived_only"] = (
        f"CREATE TRIGGER {PAYLOAD}_delete_archived_only BEFORE DELETE ON {PAYLOAD} "
        "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_unarchived_payload_delete()"
    )
    return triggers


def _table_of(name: str) -> str:
    return next(table for table in (TOMBSTONE, PAYLOAD, ENTRY) if name.startswith(table))


def install(connection) -> None:
    """Create the triggers (idempotent: existing ones are replaced)."""
    uninstall(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sql in _PG_FUNCTIONS:
                cursor.execute(sql)
            for sql in _pg_triggers().values():
                cursor.execute(sql)
        elif connection.vendor == "sqlite":
            for sql in _sqlite_triggers().values():
                cursor.execute(sql)


def uninstall(connection) -> None:
    """Drop the triggers (the functions stay on PostgreSQL; they are harmless without triggers)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in _pg_triggers():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {_table_of(name)}")
        elif connection.vendor == "sqlite":
            for name in _sqlite_triggers():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def drop_entry_triggers(connection) -> None:
    """Tests only: what an attacker with DDL rights does before editing a row."""
    uninstall(connection)
