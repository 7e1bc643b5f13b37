"""A system endpoint the console talks to: an Odoo database, an expense platform, a reporting sink."""

from django.conf import settings
from django.db import models


class ConnectorKind(models.TextChoices):
    ODOO = "odoo", "Odoo ERP"
    EXPENSE_PLATFORM = "expense_platform", "Expense platform"
    REPORTING = "reporting", "Reporting sink"


class Connector(models.Model):
    """Configuration and health of one endpoint. Secrets are never here: they live in `Credential` versions.

    Scope is per object (django-guardian): IT users hold object permissions on the connectors granted to them;
    finance users hold the global `view_connector` (names and health only); `view_connector_configuration`
    separates configuration readers (owners, auditors) from health readers.
    """

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=20, choices=ConnectorKind.choices)
    adapter = models.CharField(max_length=30, help_text="Backend in apps/connectors/backends (odoo, expensify, …).")
    base_url = models.CharField(
        max_length=300, blank=True, help_text="Where the system answers (validated by adapter)."
    )
    database = models.CharField(max_length=100, blank=True)
    protocol = models.CharField(max_length=20, blank=True)
    options = models.JSONField(default=dict, blank=True, help_text="Adapter options; never secrets.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entities = models.ManyToManyField("entities.LegalEntity", blank=True, related_name="connectors")
    enabled = models.BooleanField(default=True)
    rate_limit_per_second = models.FloatField(default=0.0, help_text="0 means no limit.")
    four_eyes_rotation = models.BooleanField(
        default=False, help_text="A second IT user must approve the activation of a new credential version."
    )
    rotation_grace_hours = models.PositiveIntegerField(
        default=24, help_text="How long a retired webhook secret is still accepted after a rotation."
    )
    # Health: the outcome of the last connection test (or the last authentication failure seen by a flow).
    health_checked_at = models.DateTimeField(null=True, blank=True)
    health_ok = models.BooleanField(null=True)
    health_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    health_server_version = models.CharField(max_length=60, blank=True)
    health_message = models.CharField(max_length=500, blank=True)
    health_details = models.JSONField(default=dict, blank=True, help_text="Last test report (never secrets).")
    auth_failed_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the credential was refused; flows wait until a test passes."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("view_connector_configuration", "Can see the configuration and credential metadata of a connector"),
            ("test_connector", "Can run the connection test of a connector"),
            ("rotate_credential", "Can add, test, activate and revoke credential versions"),
            ("approve_credential", "Can approve the activation of a credential version (four-eyes)"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def health_state(self) -> str:
        """`ok`, `bad`, `paused` (authentication refused) or `unknown` (never tested), for badges."""
        if self.auth_failed_at is not None:
            return "paused"
        if self.health_ok is None:
            return "unknown"
        return "ok" if self.health_ok else "bad"
