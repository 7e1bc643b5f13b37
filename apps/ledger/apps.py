from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "apps.ledger"
    label = "ledger"
    verbose_name = "Transaction ledger"

    def ready(self) -> None:
        from apps.ledger import checks, receivers  # noqa: F401  (checks register themselves)

        receivers.connect()
