"""Keyring rotation: re-encrypt every stored secret under the newest key of ENCRYPTION_KEYS.

Procedure: put a new key FIRST in ENCRYPTION_KEYS (keep the old ones after it), restart, run
`manage.py rotate_encryption_keys`, then remove the old keys and restart again.
"""

from __future__ import annotations

from django.db import transaction

from apps.connectors import vault
from apps.connectors.models import CredentialVersion
from apps.ledger.services import ledger_append

BATCH = 500


def vault_reencrypt_all(*, dry_run: bool = False, actor=None) -> dict:
    """Re-encrypt every stored token not already under the newest key, in one transaction.

    Returns {"total", "reencrypted", "already_current", "undecryptable"}. Tokens that no key decrypts are left
    untouched and counted (the caller must fix ENCRYPTION_KEYS before dropping anything). Idempotent.
    """
    counts = {"total": 0, "reencrypted": 0, "already_current": 0, "undecryptable": 0}
    with transaction.atomic():
        rows = CredentialVersion.objects.select_for_update().exclude(secret_token="").order_by("pk")
        for pk, token in rows.values_list("pk", "secret_token").iterator(chunk_size=BATCH):
            counts["total"] += 1
            if vault.is_under_newest_key(token):
                counts["already_current"] += 1
            elif not vault.can_decrypt(token):
                counts["undecryptable"] += 1
            else:
                counts["reencrypted"] += 1
                if not dry_run:
                    CredentialVersion.objects.filter(pk=pk).update(secret_token=vault.reencrypt(token))
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
    tokens = CredentialVersion.objects.exclude(secret_token="").values_list("secret_token", flat=True)
    return sum(1 for token in tokens.iterator(chunk_size=BATCH) if not vault.can_decrypt(token))
