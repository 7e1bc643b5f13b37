"""TOTP two-factor sign-in (django-otp): who must use it, enrolment, and the half-way state of a login.

Sign-in is two steps for a user who must use a second factor (superusers and the roles in
settings.TWO_FACTOR_REQUIRED_ROLES) or who chose to enrol: after the password the session holds only a
*pending* login (user id, backend, time, next URL) — the user is not logged in. The TOTP step (or, the first
time, enrolment) completes it with `auth.login` + `django_otp.login`. So no session is ever authenticated by
the password alone, and nothing else in the console has to check for a "half logged-in" user.
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
from django_otp.plugins.otp_totp.models import TOTPDevice

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


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def unconfirmed_device(user) -> TOTPDevice:
    """The device being enrolled (the same one on every visit until confirmed, so the QR code stays valid)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it by hand (groups of four, no padding)."""
    text = b32encode(unhexlify(device.key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG QR code (no inline styles, so the CSP holds)."""
    return mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#111", omitsize=False))  # noqa: S308


def verify(device: TOTPDevice, code: str) -> bool:
    """True when `code` is the current TOTP of `device`; honours django-otp's throttling and refuses replays."""
    code = "".join((code or "").split())
    if not code.isdigit() or len(code) != device.digits:
        return False
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, _ = device.verify_is_allowed()
        return bool(allowed) and device.verify_token(code)


@transaction.atomic
def enrolment_confirm(*, user, code: str) -> TOTPDevice:
    """Confirm the device being enrolled with a first code; removes other devices. Raises TwoFactorError."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        raise TwoFactorError("Start again: open the enrolment page to get a QR code.")
    if not verify(device, code):
        raise TwoFactorError("That code is not right. Check the phone's clock and enter the current 6 digits.")
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
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
    TOTPDevice.objects.filter(user=user).delete()


def demo_device_ensure(user) -> TOTPDevice:
    """Give a demo user a confirmed device with the public demo key (sandbox only; idempotent)."""
    if settings.ENVIRONMENT != "sandbox":
        raise TwoFactorError("The demo TOTP secret is for the sandbox only.")
    TOTPDevice.objects.filter(user=user).exclude(key=DEMO_TOTP_KEY).delete()
    device, _ = TOTPDevice.objects.update_or_create(
        user=user, key=DEMO_TOTP_KEY, defaults={"name": "Demo authenticator", "confirmed": True}
    )
    return device


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


def login_complete(request, pending: Pending, device: TOTPDevice) -> None:
    """Log the user in (new session key) and record which device verified this session."""
    pending_clear(request)
    auth.login(request, pending.user, backend=pending.backend)
    otp_login(request, device)
