"""Writes on connectors: register, change, grant to another IT user. (Tests and health: see health.py.)"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from apps.access.permissions import can, grant, require
from apps.connectors import roles
from apps.connectors.models import Connector
from apps.connectors.services import validation
from apps.connectors.services._audit import audit

EDITABLE = (
    "name",
    "kind",
    "adapter",
    "base_url",
    "database",
    "protocol",
    "options",
    "enabled",
    "rate_limit_per_second",
    "four_eyes_rotation",
    "rotation_grace_hours",
)


def _snapshot(connector: Connector) -> dict:
    data = {name: getattr(connector, name) for name in EDITABLE}
    data["entities"] = sorted(e.code for e in connector.entities.all()) if connector.pk else []
    return data


# Outermost, so the atomic wrapper's frame (holding the arguments) is cleansed in error reports too.
@sensitive_variables()
@transaction.atomic
def connector_create(
    *,
    actor,
    data: dict,
    entities=(),
    reason: str = "",
    initial_secret: str = "",
    initial_secret_kind: str = "",
    initial_secret_expires_at=None,
) -> Connector:
    """Register a connector; the actor becomes its owner with OWNER_PERMS. Optionally store its first secret.

    `data` holds the fields of EDITABLE plus `slug`. Raises AccessDenied without `connectors.add_connector`,
    ValidationError({field: [...]}) on bad input (nothing written: the secret is checked before any write).
    """
    require(actor, "connectors.add_connector", message="Only integration admins can register connectors.")
    clean = validation.connector_fields(data)
    if initial_secret:
        _check_initial_secret(clean, initial_secret, initial_secret_kind, initial_secret_expires_at)
    connector = Connector(slug=clean["slug"], owner=actor if getattr(actor, "pk", None) else None)
    for name in EDITABLE:
        if name in clean:
            setattr(connector, name, clean[name])
    connector.save()
    connector.entities.set(entities)
    if connector.owner is not None:
        grant(actor, roles.OWNER_PERMS, connector, actor=actor, reason=f"Registered {connector.slug}: owns it.")
    changes = {name: [None, value] for name, value in _snapshot(connector).items()}
    audit(actor=actor, kind="connector.created", obj=connector, connector=connector, changes=changes, reason=reason)
    if initial_secret:
        from apps.connectors.services.credentials import credential_version_add

        kind = initial_secret_kind or _main_kind(connector)
        credential_version_add(
            connector=connector,
            kind=kind,
            secret=initial_secret,
            expires_at=initial_secret_expires_at,
            reason=reason or "First secret, given when the connector was registered.",
            actor=actor,
        )
    return connector


def _main_kind(connector_or_data) -> str:
    from apps.connectors.backends import get_backend

    adapter = connector_or_data["adapter"] if isinstance(connector_or_data, dict) else connector_or_data.adapter
    kinds = validation.allowed_credential_kinds(get_backend(adapter))
    return kinds[0] if kinds else ""


@sensitive_variables()
def _check_initial_secret(clean: dict, secret: str, kind: str, expires_at) -> None:
    from apps.connectors.backends import get_backend

    errors = validation.Errors()
    validation.secret_value(secret, errors, field="initial_secret")
    validation.credential_kind(kind or _main_kind(clean), get_backend(clean["adapter"]), errors, "initial_secret_kind")
    validation.expiry(expires_at, errors, field="initial_secret_expires_at")
    errors.raise_if_any()


@transaction.atomic
def connector_update(*, connector: Connector, actor, data: dict, entities=None, reason: str = "") -> Connector:
    """Change a connector's configuration (slug is fixed: the ledger refers to it). Audited with the diff.

    Raises AccessDenied without `change_connector` on it, ValidationError on bad input (nothing written).
    """
    require(actor, "connectors.change_connector", connector, "You may not change this connector.")
    before = _snapshot(connector)
    merged = {**before, **data, "slug": connector.slug}
    clean = validation.connector_fields(merged, instance=connector)
    if before["four_eyes_rotation"] and not clean.get("four_eyes_rotation") and not (reason or "").strip():
        # Switching segregation of duties off is itself a control change: it must say why.
        raise ValidationError({"reason": "Give a reason for turning four-eyes activation off."})
    for name in EDITABLE:
        setattr(connector, name, clean[name])
    connector.save()
    if entities is not None:
        connector.entities.set(entities)
    changes = _diff(before, _snapshot(connector))
    if changes:
        audit(actor=actor, kind="connector.changed", obj=connector, connector=connector, changes=changes, reason=reason)
    return connector


def _diff(before: dict, after: dict) -> dict:
    return {name: [before.get(name), after.get(name)] for name in after if before.get(name) != after.get(name)}


@transaction.atomic
def connector_grant(*, connector: Connector, user, actor, reason: str) -> None:
    """Give another integration admin the owner permissions on `connector` (e.g. a four-eyes approver).

    Raises AccessDenied unless the actor may change the connector, ValidationError when `user` is not an
    integration admin or no reason is given. Idempotent (granting twice changes nothing but is audited).
    """
    require(actor, "connectors.change_connector", connector, "You may not share this connector.")
    errors = validation.Errors()
    text = validation.reason(reason, errors)
    if user is None or not isinstance(user, get_user_model()) or not can(user, "connectors.add_connector"):
        errors.add("user", "Choose an integration admin (IT) user.")
    errors.raise_if_any()
    grant(user, roles.OWNER_PERMS, connector, actor=actor, reason=text)
    changes = {"granted_to": [None, user.get_username()], "permissions": [None, roles.OWNER_PERMS]}
    audit(
        actor=actor, kind="connector.access_granted", obj=connector, connector=connector, changes=changes, reason=text
    )
