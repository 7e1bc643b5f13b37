"""Writes of the connectors app. Import from here.

Connectors: connector_create, connector_update, connector_grant. Health: connector_test,
connector_mark_auth_failed, connector_is_paused, connector_pause_reason. Credentials: credential_version_add,
credential_version_test, credential_version_approve, credential_version_activate, credential_version_revoke.
Secrets at call time: credential_secret_for_use, webhook_secrets_accepted. Expiry: credentials_check_expiry.
Keyring: vault_reencrypt_all.
"""

from apps.connectors.services.connectors import connector_create, connector_grant, connector_update
from apps.connectors.services.credentials import (
    credential_version_activate,
    credential_version_add,
    credential_version_approve,
    credential_version_revoke,
    credential_version_test,
)
from apps.connectors.services.expiry import credentials_check_expiry
from apps.connectors.services.health import (
    connector_is_paused,
    connector_mark_auth_failed,
    connector_pause_reason,
    connector_test,
)
from apps.connectors.services.keyring import vault_reencrypt_all
from apps.connectors.services.secrets import credential_secret_for_use, webhook_secrets_accepted

__all__ = [
    "connector_create",
    "connector_grant",
    "connector_is_paused",
    "connector_mark_auth_failed",
    "connector_pause_reason",
    "connector_test",
    "connector_update",
    "credential_secret_for_use",
    "credential_version_activate",
    "credential_version_add",
    "credential_version_approve",
    "credential_version_revoke",
    "credential_version_test",
    "credentials_check_expiry",
    "vault_reencrypt_all",
    "webhook_secrets_accepted",
]
