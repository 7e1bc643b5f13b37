"""TOTP two-factor sign-in (django-otp): who must use it, enrolment, and the half-way state of a login.

Sign-in is two steps for a user who must use a second factor (superusers and the roles in
settings.TWO_FACTOR_REQUIRED_ROLES) or who chose to enrol: after the password the session holds only a
*pending* login (user id, backend, time, next URL) — the user is not logged in. The TOTP step (or, the first
time, enrolment) completes it with `auth.login` + `django_otp.login`. So no session is ever authenticated by
the password alone, and nothing else in the console has to check for a "half logged-in" user.

Devices are apps.access.models.TwoFactorDevice: django-otp's TOTP with the key encrypted at rest. Enrolment
and removal are recorded in the ledger (apps.access.events → apps.ledger.receivers).
"""

import time
from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass

import segno
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.safestring import mark_safe
from django_otp import login as otp_login

from apps.access import events, secretbox
from apps.access.models import TwoFactorDevice

PENDING_KEY = "access.pending_login"
PENDING_TTL_SECONDS = 300
DEVICE_NAME = "Authenticator app"
# The fixed secret of the demo users in the sandbox only (seed_demo). 20 bytes, readable on purpose:
# it is public, so it must never guard anything real (seed_demo refuses it outside ENVIRONMENT=sandbox).
DEMO_TOTP_KEY = b"demo-totp-not-secret".hex()


class TwoFactorError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Pending:
    user: object
    backend: str
    next_url: str


def two_factor_required(user) -> bool:
    """Superusers and members of the required roles must sign in with a second factor."""
    if user.is_superuser:
        return True
    required = set(getattr(settings, "TWO_FACTOR_REQUIRED_ROLES", ()))
    return bool(required) and user.groups.filter(name__in=required).exists()


def confirmed_device(user) -> TwoFactorDevice | None:
    return TwoFactorDevice.objects.devices_for_user(user, confirmed=True).first()


def unconfirmed_device(user) -> TwoFactorDevice:
    """The device being enrolled (the same one on every visit until confirmed, so the QR code stays valid)."""
    device = TwoFactorDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TwoFactorDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_base32(device: TwoFactorDevice) -> str:
    """The secret as authenticator apps take it by hand (groups of four, no padding)."""
    text = b32encode(unhexlify(device.key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TwoFactorDevice) -> str:
    """The otpauth:// URI as an inline SVG QR code (no inline styles, so the CSP holds)."""
    return mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#111", omitsize=False))  # noqa: S308


def verify(device: TwoFactorDevice, code: str) -> bool:
    """True when `code` is the current TOTP of `device`; honours django-otp's throttling and refuses replays."""
    code = "".join((code or "").split())
    if not code.isdigit() or len(code) != device.digits:
        return False
    with transaction.atomic():
        device = TwoFactorDevice.objects.select_for_update().get(pk=device.pk)
        allowed, _ = device.verify_is_allowed()
        return bool(allowed) and device.verify_token(code)


@transaction.atomic
def enrolment_confirm(*, user, code: str) -> TwoFactorDevice:
    """Confirm the device being enrolled with a first code; removes other devices. Raises TwoFactorError."""
    device = TwoFactorDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        raise TwoFactorError("Start again: open the enrolment page to get a QR code.")
    if not verify(device, code):
        raise TwoFactorError("That code is not right. Check the phone's clock and enter the current 6 digits.")
    TwoFactorDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    events.security_event_send(events.TWO_FACTOR_ENROLLED, user=user, payload={"device": device.name})
    return device


@transaction.atomic
def two_factor_remove(*, user, code: str) -> None:
    """Turn two-factor off for a user who may go without it, proven by a current code. Raises TwoFactorError."""
    if two_factor_required(user):
        raise TwoFactorError("Your role requires two-factor sign-in; it cannot be turned off.")
    device = confirmed_device(user)
    if device is None:
        raise TwoFactorError("Two-factor sign-in is not on.")
    if not verify(device, code):
        raise TwoFactorError("That code is not right; two-factor sign-in stays on.")
    TwoFactorDevice.objects.filter(user=user).delete()
    events.security_event_send(events.TWO_FACTOR_REMOVED, user=user, payload={"device": device.name})


def demo_device_ensure(user) -> TwoFactorDevice:
    """Give a demo user a confirmed device with the public demo key (sandbox only; idempotent)."""
    if settings.ENVIRONMENT != "sandbox":
        raise TwoFactorError("The demo TOTP secret is for the sandbox only.")
    devices = list(TwoFactorDevice.objects.filter(user=user))
    device = next((d for d in devices if d.confirmed and d.key == DEMO_TOTP_KEY), None)  # keys are encrypted
    TwoFactorDevice.objects.filter(user=user).exclude(pk=device.pk if device else None).delete()
    return device or TwoFactorDevice.objects.create(user=user, key=DEMO_TOTP_KEY, name="Demo authenticator")


def demo_device_users() -> list[str]:
    """User names whose confirmed device holds the public demo key (keys are encrypted: decrypt to compare)."""
    devices = TwoFactorDevice.objects.filter(confirmed=True).select_related("user")
    return sorted(d.user.get_username() for d in devices if d.key == DEMO_TOTP_KEY)


# --- keys at rest: rotation and the start-up check (rotate_encryption_keys, connectors.E001) ----------------


def device_keys_reencrypt(*, dry_run: bool = False) -> dict:
    """Re-encrypt every device key not under the newest key of ENCRYPTION_KEYS (in the caller's transaction).
    Returns {"total", "reencrypted", "already_current", "undecryptable"}; undecryptable keys are left as they are."""
    return secretbox.reencrypt_rows(TwoFactorDevice.objects.all(), "key_token", dry_run=dry_run)


def device_keys_undecryptable() -> int:
    return secretbox.undecryptable_count(TwoFactorDevice.objects.all(), "key_token")


# --- the pending login ----------------------------------------------------------------------------------


def pending_start(request, user, next_url: str) -> None:
    request.session.cycle_key()
    request.session[PENDING_KEY] = {"user": user.pk, "backend": user.backend, "at": time.time(), "next": next_url}


def pending_get(request) -> Pending | None:
    """The login waiting for its second factor, or None (none, expired, or the user was disabled meanwhile)."""
    state = request.session.get(PENDING_KEY)
    if not isinstance(state, dict) or time.time() - state.get("at", 0) > PENDING_TTL_SECONDS:
        return None
    user = get_user_model().objects.filter(pk=state.get("user"), is_active=True).first()
    if user is None:
        return None
    return Pending(user=user, backend=state["backend"], next_url=state.get("next") or "")


def pending_clear(request) -> None:
    request.session.pop(PENDING_KEY, None)


def login_complete(request, pending: Pending, device: TwoFactorDevice) -> None:
    """Log the user in (new session key) and record which device verified this session."""
    pending_clear(request)
    auth.login(request, pending.user, backend=pending.backend)
    otp_login(request, device)
