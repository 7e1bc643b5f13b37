"""Domain errors of connectors and credentials. Messages are safe to show: they never contain a secret.

Field-level input errors are raised as Django's `ValidationError({"field": [...]})` so forms and the API can
attach them to their fields; `ConnectorError` is for a step that is not allowed in the current state.
"""

from apps.connectors.vault import UndecryptableSecret


class ConnectorError(Exception):
    """A step that cannot be done now (wrong status, missing approval…); the message says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CredentialUnavailable(ConnectorError):
    """The connector has no usable (active, decryptable) secret of the kind asked for."""


__all__ = ["ConnectorError", "CredentialUnavailable", "UndecryptableSecret"]
