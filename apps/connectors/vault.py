"""Encryption at rest for credential secrets: the project keyring (integration_console.crypto) with this app's
error, and the fingerprint the UI shows instead of a secret.

The first key of ENCRYPTION_KEYS encrypts; every key decrypts, so a new key can be put first,
`manage.py rotate_encryption_keys` re-encrypts every token under it, and the old key can then be dropped. There is
no fallback: if no key is configured or none decrypts a token, the caller gets `UndecryptableSecret`, a message
naming ENCRYPTION_KEYS that contains neither the token nor the keys.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from integration_console import crypto
from integration_console.crypto import KEYS_VARIABLE, SecretBox, Undecryptable

MAX_SECRET_LENGTH = 4096
SHOW_TAIL_FROM_LENGTH = 16  # shorter secrets show no characters at all: four of them would be too much

__all__ = [
    "KEYS_VARIABLE",
    "MAX_SECRET_LENGTH",
    "UndecryptableSecret",
    "can_decrypt",
    "decrypt",
    "encrypt",
    "fingerprint",
    "is_under_newest_key",
    "keyring",
    "reencrypt",
    "reencrypt_rows",
    "undecryptable_count",
]


class UndecryptableSecret(Undecryptable):
    """A stored secret that no configured key can decrypt (the key that encrypted it is missing or wrong)."""

    remedy = (
        f"Put that key back in {KEYS_VARIABLE} (after the current one), "
        "or add a new credential version with the secret."
    )


def keyring() -> tuple[MultiFernet, Fernet]:
    """(all keys, newest key) built from the current settings (cached per key list)."""
    return crypto.keyring(UndecryptableSecret)


# Every operation reads the keys through this module's `keyring`, looked up at each call: replacing it makes
# them fail at encryption time inside the real services (tests/security/test_secrets_scan.py does).
_box = SecretBox(UndecryptableSecret, keyring=lambda: keyring())
# The module's functions: encrypt(plaintext) → token; decrypt(token) → plaintext; can_decrypt /
# is_under_newest_key(token) → bool; reencrypt(token) → token under the newest key; reencrypt_rows(queryset,
# field) and undecryptable_count(queryset, field) for a column of tokens (rotation).
encrypt, decrypt = _box.encrypt, _box.decrypt
can_decrypt, is_under_newest_key, reencrypt = _box.can_decrypt, _box.is_under_newest_key, _box.reencrypt
reencrypt_rows, undecryptable_count = _box.reencrypt_rows, _box.undecryptable_count


@sensitive_variables()
def fingerprint(plaintext: str) -> str:
    """What the UI shows instead of a secret: `…abcd · 1a2b3c4d` (tail only for long secrets).

    The hash is an HMAC-SHA256 keyed from SECRET_KEY, not a bare SHA-256: a bare hash prefix of a short
    password would let anyone who can read the page brute-force it offline.
    """
    key = hashlib.sha256(f"credential-fingerprint:{settings.SECRET_KEY}".encode()).digest()
    digest = hmac.new(key, plaintext.encode("utf-8"), hashlib.sha256).hexdigest()[:8]
    tail = f"…{plaintext[-4:]} · " if len(plaintext) >= SHOW_TAIL_FROM_LENGTH else ""
    return f"{tail}{digest}"
