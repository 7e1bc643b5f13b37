"""Encryption at rest: MultiFernet over ENCRYPTION_KEYS, no fallback, fingerprints that reveal little."""

import pytest
from cryptography.fernet import Fernet

from apps.connectors import vault

SECRET = "api-key-Zq81-very-long-value-4711"


def test_encrypt_gives_a_token_without_the_plaintext():
    token = vault.encrypt(SECRET)
    assert SECRET not in token
    assert vault.decrypt(token) == SECRET


def test_every_key_of_the_keyring_decrypts_but_only_the_first_encrypts(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    token = vault.encrypt(SECRET)
    settings.ENCRYPTION_KEYS = [new, old]
    assert vault.decrypt(token) == SECRET
    assert not vault.is_under_newest_key(token)
    assert vault.is_under_newest_key(vault.encrypt(SECRET))


def test_a_token_no_key_decrypts_raises_a_message_naming_encryption_keys(settings):
    token = vault.encrypt(SECRET)
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(vault.UndecryptableSecret) as caught:
        vault.decrypt(token)
    message = str(caught.value)
    assert "ENCRYPTION_KEYS" in message
    assert token not in message and SECRET not in message
    assert caught.value.__context__ is None  # no InvalidToken chained into tracebacks


def test_an_empty_keyring_refuses_to_encrypt(settings):
    settings.ENCRYPTION_KEYS = []
    with pytest.raises(vault.UndecryptableSecret, match="ENCRYPTION_KEYS"):
        vault.encrypt(SECRET)


def test_reencrypt_moves_a_token_under_the_newest_key(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    token = vault.encrypt(SECRET)
    settings.ENCRYPTION_KEYS = [new, old]
    rotated = vault.reencrypt(token)
    settings.ENCRYPTION_KEYS = [new]
    assert vault.decrypt(rotated) == SECRET


def test_fingerprint_shows_the_last_four_characters_of_long_secrets_only():
    assert vault.fingerprint(SECRET).startswith("…4711 · ")
    short = vault.fingerprint("admin")
    assert "dmin" not in short and len(short) == 8


def test_fingerprint_is_stable_and_differs_between_secrets():
    assert vault.fingerprint(SECRET) == vault.fingerprint(SECRET)
    assert vault.fingerprint(SECRET) != vault.fingerprint(SECRET + "x")
