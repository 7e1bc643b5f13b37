from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "apps.connectors"
    label = "connectors"
    verbose_name = "Connectors and credentials"

    def ready(self) -> None:
        import logging

        from apps.connectors import backends, checks  # noqa: F401  (registers adapters and the keyring check)

        # odoolib logs every RPC's arguments at DEBUG — the password or API key included. Never let it.
        logging.getLogger("odoolib").setLevel(logging.INFO)
