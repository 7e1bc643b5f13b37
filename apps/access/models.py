"""Personal API tokens and two-factor devices.

Personal API tokens: what a script presents as `Authorization: Bearer <token>` instead of a session.

The token itself is shown once, when it is created; the database keeps only its SHA-256 digest (a token carries
256 random bits, so a fast hash is enough: nobody can guess one to compare) and a short public prefix to find
the row without scanning. Tokens are never deleted, only revoked, so the list doubles as their history.
"""

from binascii import unhexlify

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from apps.access import secretbox


class ApiTokenStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'month-end export script'.")
    prefix = models.CharField(max_length=16, unique=True, help_text="Public part of the token, used for lookup.")
    token_hash = models.CharField(max_length=64, help_text="SHA-256 hex digest of the whole token.")
    read_only = models.BooleanField(default=False, help_text="Read-only tokens may only GET, HEAD and OPTIONS.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        # The capability to hold, list and revoke one's *own* tokens (every role has it; see roles.py).
        permissions = [("hold_apitoken", "Can hold personal API tokens")]
        indexes = [models.Index(fields=["user", "-created_at"], name="access_token_user_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def status(self, now=None) -> str:
        if self.revoked:
            return ApiTokenStatus.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return ApiTokenStatus.EXPIRED
        return ApiTokenStatus.ACTIVE


class TwoFactorDevice(TimestampMixin, ThrottlingMixin, Device):
    """A TOTP authenticator (django-otp device) whose secret is encrypted at rest.

    django-otp's own TOTPDevice keeps the key in clear; this one stores only `key_token`, a Fernet token under
    ENCRYPTION_KEYS (apps.access.secretbox), and decrypts it for the moment of a check. The TOTP arithmetic,
    throttling, drift and replay protection are django-otp's (the same methods as TOTPDevice).
    `key` reads and writes the hex secret, so `TwoFactorDevice(key=…)` works; it cannot be used in queries.
    """

    key_token = models.TextField(editable=False, help_text="The TOTP secret, encrypted under ENCRYPTION_KEYS.")
    step = models.PositiveSmallIntegerField(default=30, help_text="The time step in seconds.")
    t0 = models.BigIntegerField(default=0, help_text="The Unix time at which to begin counting steps.")
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1, help_text="Time steps in the past or future allowed.")
    drift = models.SmallIntegerField(default=0, help_text="Time steps the authenticator deviates from our clock.")
    last_t = models.BigIntegerField(default=-1, help_text="Time step of the last verified code (no replays).")

    class Meta(Device.Meta):
        verbose_name = "two-factor device"

    @property
    def key(self) -> str:
        """The secret as hex (decrypted now; raises secretbox.UndecryptableKey when no key decrypts it)."""
        return secretbox.decrypt(self.key_token) if self.key_token else ""

    @key.setter
    def key(self, value: str) -> None:
        bytes.fromhex(value)  # ValueError for anything but hex: a malformed secret never gets stored
        self.key_token = secretbox.encrypt(value)

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    def save(self, *args, **kwargs):
        if not self.key_token:
            self.key = random_hex(20)
        super().save(*args, **kwargs)

    # django-otp's TOTP logic, unchanged: it reads the key only through bin_key.
    verify_token = TOTPDevice.verify_token
    get_throttle_factor = TOTPDevice.get_throttle_factor
    config_url = TOTPDevice.config_url
    _read_str_from_settings = TOTPDevice._read_str_from_settings
