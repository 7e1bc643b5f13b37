"""Keyring rotation: `rotate_encryption_keys` re-encrypts everything; the old key can then be dropped.
A keyring that cannot decrypt what is stored fails `manage.py check` and the connection test, naming the variable."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.connectors import vault
from apps.connectors.checks import check_stored_secrets_decrypt
from apps.connectors.models import CredentialVersion
from apps.connectors.services import connector_test, credential_secret_for_use, webhook_secrets_accepted
from apps.ledger.models import LedgerEntry
from tests.connectors.factories import NEXT_SECRET, WEBHOOK_SECRET, webhook_connector

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def stored(settings, it_admin):
    settings.ENCRYPTION_KEYS = [OLD]
    one, _, _ = webhook_connector(owner=it_admin, slug="one", pending=True)
    two, _, _ = webhook_connector(owner=it_admin, slug="two", secret="whsec-Two-0123456789abcdef")
    return one, two


def _rotate(**kwargs) -> str:
    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out, **kwargs)
    return out.getvalue()


def test_rotation_reencrypts_every_secret_and_reports_counts(settings, stored):
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    assert "3 stored secrets: re-encrypted 3, 0 already under the newest key, 0 undecryptable" in _rotate()
    assert "re-encrypted 0, 3 already under the newest key" in _rotate()
    assert all(vault.is_under_newest_key(t) for t in CredentialVersion.objects.values_list("secret_token", flat=True))
    assert LedgerEntry.objects.filter(kind="vault.keys_rotated").count() == 2


def test_dropping_the_old_key_after_rotation_keeps_everything_working(settings, stored):
    one, two = stored
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    _rotate()
    settings.ENCRYPTION_KEYS = [NEW]
    assert credential_secret_for_use(one) == WEBHOOK_SECRET
    assert webhook_secrets_accepted(two) == ["whsec-Two-0123456789abcdef"]
    pending = CredentialVersion.objects.get(credential__connector=one, status="pending")
    assert vault.decrypt(pending.secret_token) == NEXT_SECRET
    assert check_stored_secrets_decrypt() == []


def test_dry_run_changes_nothing(settings, stored):
    before = list(CredentialVersion.objects.order_by("pk").values_list("secret_token", flat=True))
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    assert "would re-encrypt 3" in _rotate(dry_run=True)
    assert list(CredentialVersion.objects.order_by("pk").values_list("secret_token", flat=True)) == before


def test_dropping_the_old_key_too_early_fails_the_system_check_naming_the_variable(settings, stored):
    settings.ENCRYPTION_KEYS = [NEW]
    errors = check_stored_secrets_decrypt()
    assert len(errors) == 1 and errors[0].id == "connectors.E001"
    assert "3 stored credential secret(s)" in errors[0].msg and "ENCRYPTION_KEYS" in errors[0].msg
    with pytest.raises(CommandError, match="ENCRYPTION_KEYS"):
        _rotate()


def test_manage_py_check_fails_with_a_wrong_keyring(settings, stored):
    settings.ENCRYPTION_KEYS = [NEW]
    with pytest.raises(Exception, match="ENCRYPTION_KEYS"):
        call_command("check", tags=["security"], stdout=io.StringIO(), stderr=io.StringIO())


def test_connection_test_reports_an_undecryptable_secret_clearly(settings, stored, it_admin):
    one, _ = stored
    settings.ENCRYPTION_KEYS = [NEW]
    report = connector_test(connector=one, actor=it_admin)
    assert report["ok"] is False and "ENCRYPTION_KEYS" in report["message"]
    one.refresh_from_db()
    assert one.health_ok is False and "ENCRYPTION_KEYS" in one.health_message
