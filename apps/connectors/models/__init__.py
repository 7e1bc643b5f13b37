from apps.connectors.models.connector import Connector, ConnectorKind
from apps.connectors.models.credential import Credential, CredentialKind, CredentialVersion, CredentialVersionStatus
from apps.connectors.models.ratelimit import RateLimitBucket

__all__ = [
    "Connector",
    "ConnectorKind",
    "Credential",
    "CredentialKind",
    "CredentialVersion",
    "CredentialVersionStatus",
    "RateLimitBucket",
]
