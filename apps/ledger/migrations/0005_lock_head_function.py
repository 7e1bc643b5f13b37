"""PostgreSQL: the chain lock and the head read in one call (`ledger_lock_head`), one round trip fewer per append
while the lock is held. SQLite has nothing to install: its write lock is taken at BEGIN."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_lock_head(lock_key bigint)
RETURNS TABLE (head_sequence bigint, head_hash text, head_recorded_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    -- A statement of its own in a VOLATILE function: READ COMMITTED takes its snapshot now, after the lock was
    -- granted, so it sees the entry the previous holder committed.
    RETURN QUERY SELECT e.sequence, e.hash::text, e.recorded_at FROM ledger_ledgerentry e
                 ORDER BY e.sequence DESC LIMIT 1;
END $$
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS ledger_lock_head(bigint)")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_drop_direction_index")]
    operations = [migrations.RunPython(install, uninstall)]
