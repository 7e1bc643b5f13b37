"""Credentials and their versions: the secret is encrypted at rest and never readable through the model.

A `Credential` is a slot of a connector (its Odoo password, its webhook secret…); each `CredentialVersion` holds
one secret as a Fernet token (`apps.connectors.vault`) and only a fingerprint in clear. Rotation adds a version
as `pending`, tests it, activates it (the previous active one becomes `retired`, still accepted for inbound
webhook signatures until `grace_until`), and old versions can be `revoked` (their token is destroyed).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class CredentialKind(models.TextChoices):
    PASSWORD = "password", "Password"
    API_KEY = "api_key", "API key"
    OAUTH_CLIENT = "oauth_client", "OAuth client secret"
    WEBHOOK_SECRET = "webhook_secret", "Webhook signing secret"


class CredentialVersionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"
    REVOKED = "revoked", "Revoked"


class Credential(models.Model):
    """One secret slot of a connector; its value is the active `CredentialVersion`."""

    connector = models.ForeignKey("connectors.Connector", on_delete=models.CASCADE, related_name="credentials")
    kind = models.CharField(max_length=20, choices=CredentialKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["connector__name", "kind"]
        constraints = [models.UniqueConstraint(fields=["connector", "kind"], name="credential_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.connector} · {self.get_kind_display()}"


class CredentialVersion(models.Model):
    """One secret value. `secret_token` is ciphertext only; nothing in this app ever stores plaintext."""

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=CredentialVersionStatus.choices)
    secret_token = models.TextField(blank=True, help_text="Fernet token; emptied when the version is revoked.")
    fingerprint = models.CharField(max_length=40, help_text="Last characters (long secrets only) and a hash prefix.")
    scopes = models.CharField(max_length=300, blank=True, help_text="What this secret may do (least privilege).")
    notes = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    tested_at = models.DateTimeField(null=True, blank=True)
    test_ok = models.BooleanField(null=True)
    test_message = models.CharField(max_length=500, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    grace_until = models.DateTimeField(null=True, blank=True, help_text="Retired secret accepted inbound until then.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expiry_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["credential", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["credential", "version"], name="credentialversion_unique_number"),
            models.UniqueConstraint(
                fields=["credential"], condition=Q(status="active"), name="credentialversion_one_active"
            ),
            models.UniqueConstraint(
                fields=["credential"], condition=Q(status="pending"), name="credentialversion_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.credential} v{self.version} ({self.status})"

    def __repr__(self) -> str:
        # Never include the token, even encrypted, in debug output.
        return f"<CredentialVersion {self.pk} v{self.version} {self.status}>"
