"""Encryption at rest for credential secrets: `cryptography`'s MultiFernet over settings.ENCRYPTION_KEYS.

The first key encrypts; every key decrypts, so a new key can be put first, `manage.py rotate_encryption_keys`
re-encrypts every token under it, and the old key can then be dropped. There is no fallback: if no key is
configured or none decrypts a token, the caller gets `UndecryptableSecret`, a message naming ENCRYPTION_KEYS
that contains neither the token nor the keys.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

KEYS_VARIABLE = "ENCRYPTION_KEYS"
MAX_SECRET_LENGTH = 4096
SHOW_TAIL_FROM_LENGTH = 16  # shorter secrets show no characters at all: four of them would be too much


class UndecryptableSecret(Exception):
    """A stored secret that no configured key can decrypt (the key that encrypted it is missing or wrong)."""

    def __init__(self, what: str = "a stored secret"):
        super().__init__(
            f"{what} cannot be decrypted with any key in {KEYS_VARIABLE}: the key that encrypted it was removed "
            f"or changed. Put that key back in {KEYS_VARIABLE} (after the current one), or add a new credential "
            "version with the secret."
        )


@lru_cache(maxsize=4)
def _keyring(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    if not keys:
        raise UndecryptableSecret(f"no key is configured in {KEYS_VARIABLE}, so any secret")
    fernets = [Fernet(key) for key in keys]
    return MultiFernet(fernets), fernets[0]


def keyring() -> tuple[MultiFernet, Fernet]:
    """(all keys, newest key) built from the current settings (cached per key list)."""
    return _keyring(tuple(settings.ENCRYPTION_KEYS))


@sensitive_variables()
def encrypt(plaintext: str) -> str:
    """A Fernet token (ASCII) of `plaintext`, under the first key of ENCRYPTION_KEYS."""
    return keyring()[0].encrypt(plaintext.encode("utf-8")).decode("ascii")


@sensitive_variables()
def decrypt(token: str) -> str:
    """The plaintext of `token`; raises `UndecryptableSecret` (never `InvalidToken` with its context)."""
    try:
        return keyring()[0].decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError):
        pass
    raise UndecryptableSecret()


def can_decrypt(token: str) -> bool:
    try:
        keyring()[0].decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError, ValueError):
        return False
    return True


def is_under_newest_key(token: str) -> bool:
    try:
        keyring()[1].decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError, ValueError):
        return False
    return True


@sensitive_variables()
def reencrypt(token: str) -> str:
    """`token` re-encrypted under the newest key (MultiFernet.rotate); raises `UndecryptableSecret`."""
    try:
        return keyring()[0].rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError, ValueError):
        pass
    raise UndecryptableSecret()


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
