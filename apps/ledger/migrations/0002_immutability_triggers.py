"""Database-enforced immutability: triggers refusing UPDATE and DELETE on the ledger tables (vendor-specific)."""

from django.db import migrations


def install(apps, schema_editor):
    from apps.ledger import triggers

    triggers.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    from apps.ledger import triggers

    triggers.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
