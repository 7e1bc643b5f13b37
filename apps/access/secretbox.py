"""Encryption at rest for the secrets access keeps (TOTP device keys): the project keyring over
settings.ENCRYPTION_KEYS (integration_console.crypto), with this app's error.

The same keyring and procedure as credential secrets (apps.connectors.vault): the first key encrypts, every key
decrypts, `manage.py rotate_encryption_keys` re-encrypts under the newest key (it calls
apps.access.two_factor.device_keys_reencrypt too).
"""

from __future__ import annotations

from integration_console.crypto import KEYS_VARIABLE, SecretBox, Undecryptable

__all__ = [
    "UndecryptableKey",
    "can_decrypt",
    "decrypt",
    "encrypt",
    "is_under_newest_key",
    "reencrypt",
    "reencrypt_rows",
    "undecryptable_count",
]


class UndecryptableKey(Undecryptable):
    what = "A stored two-factor key"
    nothing_configured = f"No key is configured in {KEYS_VARIABLE}, so any stored two-factor key"
    remedy = f"Put it back in {KEYS_VARIABLE} (after the current one) and run rotate_encryption_keys."


_box = SecretBox(UndecryptableKey)
encrypt, decrypt, reencrypt = _box.encrypt, _box.decrypt, _box.reencrypt
can_decrypt, is_under_newest_key = _box.can_decrypt, _box.is_under_newest_key
reencrypt_rows, undecryptable_count = _box.reencrypt_rows, _box.undecryptable_count
