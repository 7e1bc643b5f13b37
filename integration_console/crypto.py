"""Encryption at rest: `cryptography`'s MultiFernet over settings.ENCRYPTION_KEYS, for every app.

The first key encrypts; every key decrypts, so a new key can be put first, `manage.py rotate_encryption_keys`
re-encrypts every token under it, and the old key can then be dropped. There is no fallback: if no key is
configured or none decrypts a token, the caller gets its `Undecryptable` subclass, a message naming
ENCRYPTION_KEYS that contains neither the token nor the keys.

It lives in the project package, below every app, because two layers keep secrets under this keyring:
apps.access (two-factor device keys, apps/access/secretbox.py) and apps.connectors (credential secrets,
apps/connectors/vault.py). Each builds a `SecretBox` with its own error, so its callers keep catching that error
and reading a message that names what they store.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

KEYS_VARIABLE = "ENCRYPTION_KEYS"
BATCH = 500
_NOT_A_TOKEN = (InvalidToken, UnicodeError, ValueError)


class Undecryptable(Exception):
    """A stored token no configured key decrypts (the key that encrypted it is missing or wrong), or no key at all.

    Subclasses word it for what they store: `what` (the thing that failed), `nothing_configured` (the same when
    ENCRYPTION_KEYS is empty) and `remedy` (what the operator does about it).
    """

    what = "a stored secret"
    nothing_configured = f"no key is configured in {KEYS_VARIABLE}, so any secret"
    remedy = f"Put that key back in {KEYS_VARIABLE} (after the current one) and run rotate_encryption_keys."

    def __init__(self, what: str | None = None):
        super().__init__(
            f"{what or self.what} cannot be decrypted with any key in {KEYS_VARIABLE}: the key that encrypted it "
            f"was removed or changed. {self.remedy}"
        )


@lru_cache(maxsize=4)
@sensitive_variables()
def _keyring(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    fernets = [Fernet(key) for key in keys]
    return MultiFernet(fernets), fernets[0]


@sensitive_variables()
def keyring(error: type[Undecryptable] = Undecryptable) -> tuple[MultiFernet, Fernet]:
    """(all keys, newest key) built from the current settings (cached per key list); `error` when none is set."""
    keys = tuple(settings.ENCRYPTION_KEYS)
    if not keys:
        raise error(error.nothing_configured)
    return _keyring(keys)


class SecretBox:
    """encrypt / decrypt / can_decrypt / is_under_newest_key / reencrypt of one token, and reencrypt_rows /
    undecryptable_count over a column of tokens, all under the current keyring; raises `error` (an `Undecryptable`
    subclass) when no key fits or none is configured.

    `keyring` (optional) supplies (all keys, newest key) instead of this module's `keyring(error)`, e.g. a
    function the owning module exposes, so that every operation goes through it.
    """

    def __init__(self, error: type[Undecryptable] = Undecryptable, *, keyring: Callable[[], tuple] | None = None):
        self.error = error
        self._keyring = keyring

    def keyring(self) -> tuple[MultiFernet, Fernet]:
        return self._keyring() if self._keyring else keyring(self.error)

    @sensitive_variables()
    def encrypt(self, plaintext: str) -> str:
        """A Fernet token (ASCII) of `plaintext`, under the first key of ENCRYPTION_KEYS."""
        return self.keyring()[0].encrypt(plaintext.encode("utf-8")).decode("ascii")

    @sensitive_variables()
    def decrypt(self, token: str) -> str:
        """The plaintext of `token`; raises the box's error (never `InvalidToken` with its context)."""
        try:
            return self.keyring()[0].decrypt(token.encode("ascii")).decode("utf-8")
        except _NOT_A_TOKEN:
            pass
        raise self.error()

    def can_decrypt(self, token: str) -> bool:
        try:
            self.keyring()[0].decrypt(token.encode("ascii"))
        except _NOT_A_TOKEN:
            return False
        return True

    def is_under_newest_key(self, token: str) -> bool:
        try:
            self.keyring()[1].decrypt(token.encode("ascii"))
        except _NOT_A_TOKEN:
            return False
        return True

    @sensitive_variables()
    def reencrypt(self, token: str) -> str:
        """`token` re-encrypted under the newest key (MultiFernet.rotate); raises the box's error."""
        try:
            return self.keyring()[0].rotate(token.encode("ascii")).decode("ascii")
        except _NOT_A_TOKEN:
            pass
        raise self.error()

    def reencrypt_rows(self, queryset, field: str, *, dry_run: bool = False) -> dict:
        """Re-encrypt the token in `field` of every row of `queryset` not already under the newest key, rows locked
        in the caller's transaction. Returns {"total", "reencrypted", "already_current", "undecryptable"}; a token
        no key decrypts is left as it is and counted (ENCRYPTION_KEYS must be fixed before a key is dropped)."""
        counts = {"total": 0, "reencrypted": 0, "already_current": 0, "undecryptable": 0}
        rows = queryset.select_for_update().order_by("pk").values_list("pk", field)
        for pk, token in rows.iterator(chunk_size=BATCH):
            counts["total"] += 1
            if self.is_under_newest_key(token):
                counts["already_current"] += 1
            elif not self.can_decrypt(token):
                counts["undecryptable"] += 1
            else:
                counts["reencrypted"] += 1
                if not dry_run:
                    queryset.model._default_manager.filter(pk=pk).update(**{field: self.reencrypt(token)})
        return counts

    def undecryptable_count(self, queryset, field: str) -> int:
        """How many rows of `queryset` hold in `field` a token no configured key decrypts (the start-up check)."""
        tokens = queryset.values_list(field, flat=True)
        return sum(1 for token in tokens.iterator(chunk_size=BATCH) if not self.can_decrypt(token))
