"""Personal API tokens: what a script presents as `Authorization: Bearer <token>` instead of a session.

The token itself is shown once, when it is created; the database keeps only its SHA-256 digest (a token carries
256 random bits, so a fast hash is enough: nobody can guess one to compare) and a short public prefix to find
the row without scanning. Tokens are never deleted, only revoked, so the list doubles as their history.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


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
