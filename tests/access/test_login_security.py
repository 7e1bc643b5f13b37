"""Sign-in security: lockout after repeated failures, TOTP for IT and superusers (optional for others), idle
session expiry, and no way around the second factor through the admin's own login form."""

import base64
import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from apps.access import two_factor
from apps.access.models import TwoFactorDevice as TOTPDevice
from tests.conftest import PASSWORD

LOGIN, VERIFY, ENROL = reverse("access:login"), reverse("access:login_verify"), reverse("access:login_enrol")


def code_for(key: bytes, step_offset: int = 0) -> str:
    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = time.time() + 30 * step_offset
    return f"{totp.token():06d}"


def password_step(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail_logins(client, username, times, **extra):
    for _ in range(times):
        password_step(client, username, "wrong-password", **extra)


def test_five_wrong_passwords_lock_the_account_with_a_clear_message(client, controller):
    fail_logins(client, "controller", 4)
    fifth = password_step(client, "controller", "wrong-password")
    assert fifth.status_code == 429 and "locked for 15 minutes" in fifth.content.decode()
    right = password_step(client, "controller")
    assert right.status_code == 429 and not is_logged_in(client)


def test_lockout_is_per_user_name_and_address(client, controller):
    fail_logins(client, "controller", 5)
    elsewhere = password_step(client, "controller", REMOTE_ADDR="10.9.9.9")
    assert elsewhere.status_code == 302 and is_logged_in(client)


def test_it_unlocks_a_locked_user_with_axes_reset_username(client, controller):
    fail_logins(client, "controller", 5)
    assert password_step(client, "controller").status_code == 429
    call_command("axes_reset_username", "controller")
    assert password_step(client, "controller").status_code == 302 and is_logged_in(client)


def test_lockout_ends_by_itself_after_the_cool_off(client, controller, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    fail_logins(client, "controller", 5)
    assert password_step(client, "controller").status_code == 429
    time.sleep(1.1)
    assert password_step(client, "controller").status_code == 302


def test_it_admin_must_enrol_totp_before_being_logged_in(client, it_admin):
    after_password = password_step(client, "itadmin")
    assert after_password["Location"] == ENROL and not is_logged_in(client)
    page = client.get(ENROL)
    body = page.content.decode()
    assert "<svg" in body and "qrline" in body  # the QR code, rendered server-side as inline SVG
    secret = page.context["secret"].replace(" ", "")
    assert secret in body.replace(" ", "")
    assert client.get(reverse("worklist:index")).status_code == 302  # still not logged in
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    done = client.post(ENROL, {"code": code_for(key)})
    assert done.status_code == 302 and done["Location"] == reverse("reporting:dashboard")
    assert is_logged_in(client) and TOTPDevice.objects.get(user=it_admin).confirmed


def test_superuser_must_enter_a_totp_code_after_the_password(client, superuser):
    device = TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    assert password_step(client, "admin")["Location"] == VERIFY and not is_logged_in(client)
    wrong = client.post(VERIFY, {"code": "000000" if code_for(device.bin_key) != "000000" else "111111"})
    assert wrong.status_code == 200 and "not right" in wrong.content.decode() and not is_logged_in(client)
    time.sleep(1.05)  # django-otp throttles a device for 1 s after a wrong code
    done = client.post(VERIFY, {"code": code_for(device.bin_key)})
    assert done.status_code == 302 and is_logged_in(client)
    assert client.session["otp_device_id"] == device.persistent_id


def test_a_totp_code_cannot_be_replayed(client, superuser):
    device = TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    code = code_for(device.bin_key)
    password_step(client, "admin")
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.logout()
    password_step(client, "admin")
    assert client.post(VERIFY, {"code": code}).status_code == 200 and not is_logged_in(client)


def test_wrong_totp_codes_count_towards_the_lockout(client, superuser):
    device = TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True, tolerance=0)
    password_step(client, "admin")
    wrong = f"{(int(code_for(device.bin_key)) + 1) % 1_000_000:06d}"
    answers = [client.post(VERIFY, {"code": wrong}) for _ in range(5)]
    assert answers[-1].status_code == 429 and "locked" in answers[-1].content.decode()
    password_step(client, "admin")
    assert not is_logged_in(client)


def test_controller_logs_in_with_the_password_alone_by_default(client, controller):
    assert password_step(client, "controller")["Location"] == reverse("reporting:dashboard")
    assert is_logged_in(client)


def test_controller_may_opt_in_to_totp_and_is_then_asked_for_it(client, client_for, controller):
    account = client_for(controller)
    setup = account.get(reverse("access:two_factor_setup"))
    key = TOTPDevice.objects.get(user=controller).bin_key
    assert "<svg" in setup.content.decode()
    assert account.post(reverse("access:two_factor_setup"), {"code": code_for(key)}).status_code == 302
    account.logout()
    assert password_step(client, "controller")["Location"] == VERIFY and not is_logged_in(client)
    assert client.post(VERIFY, {"code": code_for(key, step_offset=1)}).status_code == 302
    assert is_logged_in(client)


def test_controller_may_turn_totp_off_with_a_current_code_but_it_admin_may_not(client_for, controller, it_admin):
    for user in (controller, it_admin):
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        client_for(user).post(reverse("access:two_factor_remove"), {"code": code_for(device.bin_key)})
    assert not TOTPDevice.objects.filter(user=controller).exists()
    assert TOTPDevice.objects.filter(user=it_admin).exists()


def test_required_roles_come_from_settings(controller, it_admin, superuser, settings):
    assert two_factor.two_factor_required(it_admin) and two_factor.two_factor_required(superuser)
    assert not two_factor.two_factor_required(controller)
    settings.TWO_FACTOR_REQUIRED_ROLES = ["integration_admin", "finance_controller"]
    assert two_factor.two_factor_required(controller)


def test_a_pending_login_expires(client, it_admin, monkeypatch):
    password_step(client, "itadmin")
    monkeypatch.setattr(two_factor, "PENDING_TTL_SECONDS", -1)
    response = client.get(ENROL)
    assert response["Location"] == LOGIN and not is_logged_in(client)


def test_the_admin_login_form_sends_everyone_to_the_console_login(client, superuser):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client.post("/admin/login/", {"username": "admin", "password": PASSWORD}).status_code == 302
    assert not is_logged_in(client)


def test_the_session_ends_after_the_idle_timeout(client_for, controller, settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_COOKIE_AGE <= 3600
    client = client_for(controller)
    client.get(reverse("access:profile"))
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.expire_date > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("access:profile"))["Location"].startswith(LOGIN)


def test_the_demo_totp_key_is_refused_outside_the_sandbox(it_admin, settings):
    settings.ENVIRONMENT = "production"
    with pytest.raises(two_factor.TwoFactorError):
        two_factor.demo_device_ensure(it_admin)
    settings.ENVIRONMENT = "sandbox"
    assert two_factor.demo_device_ensure(it_admin).key == two_factor.DEMO_TOTP_KEY


# --- keys encrypted at rest ------------------------------------------------------------------------------


def test_device_keys_are_stored_encrypted_and_never_in_clear(it_admin):
    from django.db import connection

    device = TOTPDevice.objects.create(user=it_admin, name="phone", key="00" * 19 + "ab")
    with connection.cursor() as cursor:
        cursor.execute("SELECT key_token FROM access_twofactordevice WHERE id = %s", [device.pk])
        (stored,) = cursor.fetchone()
    assert stored.startswith("gAAAAA") and "00" * 19 not in stored  # a Fernet token, not the hex key
    assert TOTPDevice.objects.get(pk=device.pk).key == "00" * 19 + "ab"
    assert not django_otp_devices_exist()


def django_otp_devices_exist() -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice as CleartextDevice

    return CleartextDevice.objects.exists()


def test_a_key_no_configured_key_decrypts_fails_closed_and_is_counted(superuser, settings):
    from cryptography.fernet import Fernet

    from apps.access.secretbox import UndecryptableKey

    device = TOTPDevice.objects.create(user=superuser, name="phone")
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert two_factor.device_keys_undecryptable() == 1
    with pytest.raises(UndecryptableKey):
        device.verify_token("123456")


def test_rotation_reencrypts_device_keys_under_the_newest_key(superuser, settings):
    from cryptography.fernet import Fernet

    device = TOTPDevice.objects.create(user=superuser, name="phone")
    key, old_token = device.key, device.key_token
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.ENCRYPTION_KEYS]
    assert two_factor.device_keys_reencrypt(dry_run=True)["reencrypted"] == 1
    counts = two_factor.device_keys_reencrypt()
    assert counts == {"total": 1, "reencrypted": 1, "already_current": 0, "undecryptable": 0}
    device.refresh_from_db()
    assert device.key_token != old_token and device.key == key
    settings.ENCRYPTION_KEYS = settings.ENCRYPTION_KEYS[:1]  # the old key can go now
    assert TOTPDevice.objects.get(pk=device.pk).key == key


def test_the_migration_moves_cleartext_devices_and_encrypts_their_keys(superuser):
    from django.apps import apps as registry
    from django_otp.plugins.otp_totp.models import TOTPDevice as CleartextDevice

    from apps.access.migrations import __name__ as package

    migration = __import__(f"{package}.0003_two_factor_device", fromlist=["move_devices"])
    CleartextDevice.objects.create(user=superuser, name="old phone", key="ab" * 20, drift=1, last_t=42)
    migration.move_devices(registry, None)
    moved = TOTPDevice.objects.get(user=superuser)
    assert (moved.name, moved.key, moved.drift, moved.last_t) == ("old phone", "ab" * 20, 1, 42)
    assert not CleartextDevice.objects.exists() and "ab" * 20 not in moved.key_token


# --- ledger audit of enrolment, removal and lockouts ----------------------------------------------------


def audit_entries(kind):
    from apps.ledger.models import LedgerEntry

    return list(LedgerEntry.objects.filter(kind=kind, direction="audit").order_by("sequence"))


def test_enrolment_and_removal_are_recorded_in_the_ledger(client_for, controller):
    account = client_for(controller)
    account.get(reverse("access:two_factor_setup"))
    key = TOTPDevice.objects.get(user=controller).bin_key
    account.post(reverse("access:two_factor_setup"), {"code": code_for(key)})
    [enrolled] = audit_entries("access.two_factor_enrolled")
    assert enrolled.target_id == str(controller.pk) and enrolled.actor_name == "controller"
    account.post(reverse("access:two_factor_remove"), {"code": code_for(key, step_offset=1)})
    [removed] = audit_entries("access.two_factor_removed")
    assert removed.target_id == str(controller.pk) and not TOTPDevice.objects.filter(user=controller).exists()


def test_a_failed_removal_records_nothing(client_for, controller):
    TOTPDevice.objects.create(user=controller, name="phone")
    client_for(controller).post(reverse("access:two_factor_remove"), {"code": "000000"})
    assert audit_entries("access.two_factor_removed") == []


def test_a_lockout_is_recorded_once_with_the_address(client, controller):
    fail_logins(client, "controller", 7)
    [entry] = audit_entries("access.login_locked_out")
    assert entry.outcome == "rejected" and entry.target_id == str(controller.pk)
    from apps.ledger.export import entry_payload_text

    assert '"ip_address":"127.0.0.1"' in entry_payload_text(entry) and "wrong-password" not in entry_payload_text(entry)


def test_a_lockout_of_an_unknown_user_name_does_not_record_what_was_typed(client, db):
    fail_logins(client, "Secr3t-typed-in-the-wrong-box", 5)
    [entry] = audit_entries("access.login_locked_out")
    from apps.ledger.export import entry_payload_text

    assert "Secr3t" not in entry_payload_text(entry) and entry.target_id == ""


def test_rotate_encryption_keys_and_the_startup_check_cover_device_keys(superuser, settings):
    from cryptography.fernet import Fernet
    from django.core.checks import run_checks

    device = TOTPDevice.objects.create(user=superuser, name="phone")
    key, old_keys = device.key, list(settings.ENCRYPTION_KEYS)
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *old_keys]
    call_command("rotate_encryption_keys")
    settings.ENCRYPTION_KEYS = settings.ENCRYPTION_KEYS[:1]
    assert TOTPDevice.objects.get(pk=device.pk).key == key
    settings.ENCRYPTION_KEYS = old_keys  # the key that encrypted the device is gone
    assert "connectors.E001" in [error.id for error in run_checks(tags=["security"])]
