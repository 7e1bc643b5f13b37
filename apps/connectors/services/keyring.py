"""Keyring rotation: re-encrypt every stored secret (credentials and two-factor device keys) under the newest key
of ENCRYPTION_KEYS.

Procedure: put a new key FIRST in ENCRYPTION_KEYS (keep the old ones after it), restart, run
`manage.py rotate_encryption_keys`, then remove the old keys and restart again.
"""

from __future__ import annotations

from django.db import transaction

from apps.access.two_factor import device_keys_reencrypt, device_keys_undecryptable
from apps.connectors import vault
from apps.connectors.models import CredentialVersion
from apps.ledger.services import ledger_append


def vault_reencrypt_all(*, dry_run: bool = False, actor=None) -> dict:
    """Re-encrypt every stored token not already under the newest key, in one transaction.

    Returns {"total", "reencrypted", "already_current", "undecryptable"}. Tokens that no key decrypts are left
    untouched and counted (the caller must fix ENCRYPTION_KEYS before dropping anything). Idempotent.
    """
    with transaction.atomic():
        secrets = CredentialVersion.objects.exclude(secret_token="")
        counts = vault.reencrypt_rows(secrets, "secret_token", dry_run=dry_run)
        # Two-factor device keys are under the same keyring (apps.access.secretbox).
        for name, count in device_keys_reencrypt(dry_run=dry_run).items():
            counts[name] += count
        if not dry_run:
            ledger_append(
                kind="vault.keys_rotated",
                direction="internal",
                actor=actor,
                outcome="ok" if not counts["undecryptable"] else "failed",
                payload={"counts": counts},
            )
    return counts


def vault_undecryptable_count() -> int:
    """How many stored secrets no key in ENCRYPTION_KEYS can decrypt (the start-up check)."""
    secrets = CredentialVersion.objects.exclude(secret_token="")
    return vault.undecryptable_count(secrets, "secret_token") + device_keys_undecryptable()
