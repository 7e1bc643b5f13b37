"""The one redaction function: every payload, diff and log context passes through `redact` before it is stored.

A value is replaced by "[redacted]" when its key names a secret (password, secret, token, api key, authorization,
signature, cookie, private key, credential...). Keys are compared case-insensitively with "-", "_", " " and "."
removed, so "API-Key", "api_key" and "apiKey" all match. Strings that carry an HTTP credential scheme
("Bearer …", "Basic …") are redacted wherever they appear. The input is never modified; a new structure is returned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

REDACTED = "[redacted]"

# Fragments of normalised key names that mark a secret. Substring match: "client_secret", "x-api-key",
# "refresh_token", "webhook_signature", "db_password" all hit.
SECRET_KEY_FRAGMENTS = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "authorization",
    "signature",
    "cookie",
    "privatekey",
    "credential",
    "sessionid",
    "fernet",
    "encryptionkey",
)
_NORMALISE = re.compile(r"[-_ .]")
_CREDENTIAL_VALUE = re.compile(r"^\s*(bearer|basic|token|digest)\s+\S{6,}", re.IGNORECASE)


_SECRET_FRAGMENT = re.compile("|".join(SECRET_KEY_FRAGMENTS))


def is_secret_key(key) -> bool:
    """True when a mapping key names a secret."""
    return isinstance(key, str) and _secret_name(key)


@lru_cache(maxsize=4096)  # payloads repeat the same few keys; every inbound message is redacted
def _secret_name(key: str) -> bool:
    return _SECRET_FRAGMENT.search(_NORMALISE.sub("", key).lower()) is not None


def redact(value):
    """A copy of `value` (dicts, lists, tuples, scalars; recursive) with every secret replaced by "[redacted]"."""
    if isinstance(value, Mapping):
        return {key: (REDACTED if is_secret_key(key) else redact(item)) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [redact(item) for item in value]
    if isinstance(value, str) and _CREDENTIAL_VALUE.match(value):
        return REDACTED
    return value
