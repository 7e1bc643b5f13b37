"""Connector health: the connection test, authentication failures that pause flows, and the pause check.

Flows ask `connector_is_paused(connector)` before calling a system and, when paused, leave documents waiting
(nothing fails, nothing is lost); a flow whose call was refused for authentication calls
`connector_mark_auth_failed`. A passing connection test or the activation of a tested secret lifts the pause.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from apps.access.permissions import require
from apps.connectors.backends import base, get_backend
from apps.connectors.errors import CredentialUnavailable
from apps.connectors.models import Connector
from apps.connectors.services import secrets
from apps.connectors.services._audit import event
from apps.connectors.vault import UndecryptableSecret

logger = logging.getLogger(__name__)


@sensitive_variables()
def connector_test(*, connector: Connector, actor, reason: str = "") -> dict:
    """Run the adapter's test_connection with the active secret, store the health, record it in the ledger.

    Returns the report: ok, message, latency_ms, server_version, auth_failed, details (for Odoo: database,
    user, companies, missing_rights). Raises AccessDenied without `test_connector` on the connector. A secret
    that no key in ENCRYPTION_KEYS decrypts gives a failed report saying so (no exception, no secret).
    """
    require(actor, "connectors.test_connector", connector, "You may not test this connector.")
    secret, version = None, secrets.active_version(connector)
    try:
        secret = secrets.credential_secret_for_use(connector)
    except CredentialUnavailable:
        pass  # the backend says what is missing (some adapters need no secret)
    except UndecryptableSecret as error:
        return _record(connector, base.result(False, str(error)), actor=actor, reason=reason, version=version)
    report = secrets.run_test(connector, version.credential.kind if version else None, secret)
    del secret
    return _record(connector, report, actor=actor, reason=reason, version=version)


@transaction.atomic
def _record(connector: Connector, report: dict, *, actor, reason: str, version) -> dict:
    connector = Connector.objects.select_for_update().get(pk=connector.pk)
    connector.health_checked_at = timezone.now()
    connector.health_ok = report["ok"]
    connector.health_latency_ms = report["latency_ms"]
    connector.health_server_version = report["server_version"][:60]
    connector.health_message = report["message"][:500]
    connector.health_details = report["details"]
    if report["ok"]:
        connector.auth_failed_at = None
    elif report["auth_failed"]:
        connector.auth_failed_at = connector.auth_failed_at or timezone.now()
    connector.save()
    used = (
        {"kind": version.credential.kind, "version": version.version, "fingerprint": version.fingerprint}
        if version
        else None
    )
    event(
        kind="connector.tested",
        connector=connector,
        direction="outbound",
        actor=actor,
        reason=reason,
        outcome="ok" if report["ok"] else "failed",
        payload={"report": report, "version_used": used},
    )
    if report["auth_failed"]:
        _open_auth_item(connector, report["message"], actor)
    logger.info("connection test of %s: ok=%s latency_ms=%s", connector.slug, report["ok"], report["latency_ms"])
    return report


def connector_mark_auth_failed(*, connector: Connector, message: str, actor=None) -> Connector:
    """The system refused the connector's credential: mark it unhealthy and paused, open an `auth_failure`
    worklist item for its owner, record it. Idempotent (a repeated failure updates the same item).
    `message` must be the system's text, never containing the secret (gateway faults do not)."""
    with transaction.atomic():
        connector = Connector.objects.select_for_update().get(pk=connector.pk)
        connector.health_ok = False
        connector.health_checked_at = timezone.now()
        connector.health_message = message[:500]
        connector.auth_failed_at = connector.auth_failed_at or timezone.now()
        connector.save(update_fields=["health_ok", "health_checked_at", "health_message", "auth_failed_at"])
        event(
            kind="connector.auth_failed",
            connector=connector,
            outcome="failed",
            actor=actor,
            payload={"message": message[:500]},
        )
        _open_auth_item(connector, message, actor)
    return connector


def _open_auth_item(connector: Connector, message: str, actor) -> None:
    from apps.connectors.services.notify import open_worklist_item

    open_worklist_item(
        category="auth_failure",
        subject_key=f"connector:{connector.slug}",
        message=f"{connector.name} refused the console's credential; its flows are paused until it is fixed.",
        detail=message[:2000],
        connector=connector,
        severity="high",
        actor=actor,
    )


def connector_pause_reason(connector: Connector) -> str:
    """Why flows of this connector must wait now, or "" when they may run. Reads the current state from the
    database (a flow's instance may be minutes old)."""
    connector = Connector.objects.only("enabled", "auth_failed_at", "adapter").get(pk=connector.pk)
    if not connector.enabled:
        return "The connector is disabled."
    if connector.auth_failed_at is not None:
        return "The system refused the credential; fix or rotate it, then run the connection test."
    needed = get_backend(connector.adapter).credential_kinds
    if needed and secrets.active_version(connector) is None:
        return "The connector has no active credential."
    return ""


def connector_is_paused(connector: Connector) -> bool:
    """True when flows using this connector must leave their documents waiting (see connector_pause_reason)."""
    return bool(connector_pause_reason(connector))


def after_activation(version, *, actor) -> None:
    """A tested secret became active: lift an authentication pause and close the items it answers."""
    from apps.connectors.services.notify import resolve_worklist_items

    connector = version.credential.connector
    if version.credential.kind in get_backend(connector.adapter).credential_kinds and connector.auth_failed_at:
        Connector.objects.filter(pk=connector.pk).update(
            auth_failed_at=None, health_ok=True, health_message="A tested new secret was activated."
        )
        resolve_worklist_items(f"connector:{connector.slug}", actor, "A tested new secret was activated.")
    resolve_worklist_items(f"credential:{version.credential_id}", actor, f"Version {version.version} activated.")
