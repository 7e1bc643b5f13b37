"""`manage.py check` (and runserver, migrate…): every stored secret must be decryptable by ENCRYPTION_KEYS.

Settings already refuse a malformed key; this catches a well-formed but wrong keyring (a key dropped before
`rotate_encryption_keys` ran, or a different environment's keys) before the console starts failing calls.
"""

from django.core.checks import Error, register
from django.db import DatabaseError

from apps.connectors.vault import KEYS_VARIABLE


@register("security")
def check_stored_secrets_decrypt(app_configs=None, **kwargs):
    from apps.connectors.services.keyring import vault_undecryptable_count

    try:
        failing = vault_undecryptable_count()
    except DatabaseError:
        return []  # no database or not migrated yet: nothing stored to check
    if not failing:
        return []
    return [
        Error(
            f"{failing} stored credential secret(s) cannot be decrypted with any key in {KEYS_VARIABLE}.",
            hint=(
                f"The key that encrypted them is missing from {KEYS_VARIABLE} or wrong. Put it back (after the "
                "newest key), run `manage.py rotate_encryption_keys`, and only then remove it."
            ),
            id="connectors.E001",
        )
    ]
