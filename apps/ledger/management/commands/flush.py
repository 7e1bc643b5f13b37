"""`flush`, ledger-aware: the ledger's triggers refuse to be emptied, except in a test environment.

Outside tests this is Django's own flush, and the triggers make it fail while the ledger holds entries (on
PostgreSQL TRUNCATE is refused outright): wiping the ledger is not an operation the console offers.
Test runs (`setup_test_environment()` was called, as pytest-django and Django's runner do) flush between
transactional tests, so there the triggers are lifted for the duration of the flush and put back.
"""

from django.core import mail
from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections, router

from apps.ledger import triggers
from apps.ledger.models import LedgerEntry


def _in_test_environment() -> bool:
    return hasattr(mail, "outbox")  # set by django.test.utils.setup_test_environment, only there


class Command(DjangoFlush):
    def handle(self, **options):
        if not _in_test_environment():
            return super().handle(**options)
        if not router.allow_migrate_model(options["database"], LedgerEntry):
            return super().handle(**options)  # a database without the ledger (the reporting store): no triggers
        connection = connections[options["database"]]
        triggers.uninstall(connection)
        try:
            return super().handle(**options)
        finally:
            triggers.install(connection)
