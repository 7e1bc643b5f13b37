"""The credential vault's writes: add a version, test it, approve it, activate it, revoke it.

Rotation: `credential_version_add` (pending; the very first version of a credential is active at once, as there
is nothing to rotate from) → `credential_version_test` against the live system → optional
`credential_version_approve` by a second IT user (connectors with four-eyes) → `credential_version_activate`
(the previous active version becomes retired and stays accepted for inbound webhook signatures for the grace
period) → `credential_version_revoke` (the encrypted secret is destroyed). Every step needs a reason and writes
an audit entry. Decryption happens only in apps.connectors.services.secrets.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from apps.access.permissions import require
from apps.connectors import vault
from apps.connectors.backends import get_backend
from apps.connectors.errors import ConnectorError
from apps.connectors.models import Connector, Credential, CredentialVersion
from apps.connectors.models import CredentialVersionStatus as Status
from apps.connectors.services import health, secrets, validation
from apps.connectors.services._audit import audit

ROTATE = "connectors.rotate_credential"
APPROVE = "connectors.approve_credential"


def _require_reason(reason: str) -> str:
    errors = validation.Errors()
    text = validation.reason(reason, errors)
    errors.raise_if_any()
    return text


def _audit_version(version: CredentialVersion, *, actor, kind: str, changes: dict, reason: str, **payload):
    connector = version.credential.connector
    extra = {"kind": version.credential.kind, "version": version.version, "fingerprint": version.fingerprint}
    audit(
        actor=actor,
        kind=kind,
        obj=version,
        connector=connector,
        changes=changes,
        reason=reason,
        payload={**extra, **payload},
    )


# Outermost, so the atomic wrapper's frame (holding the arguments) is cleansed in error reports too.
@sensitive_variables()
@transaction.atomic
def credential_version_add(
    *,
    connector: Connector,
    kind: str,
    secret: str,
    reason: str,
    actor,
    expires_at: dt.datetime | None = None,
    scopes: str = "",
    notes: str = "",
) -> CredentialVersion:
    """Store a new secret version (encrypted) for `connector`'s credential of `kind`; returns it (metadata only).

    Raises AccessDenied without `rotate_credential` on the connector; ValidationError for an empty/too long
    secret, a kind the adapter does not use, an expiry in the past, long scopes/notes or no reason;
    ConnectorError while another version is still pending. Nothing is written on any error.
    """
    require(actor, ROTATE, connector, "You may not manage the credentials of this connector.")
    errors = validation.Errors()
    text = validation.reason(reason, errors)
    validation.secret_value(secret, errors)
    validation.credential_kind(kind, get_backend(connector.adapter), errors)
    validation.expiry(expires_at, errors)
    if len(scopes or "") > 300:
        errors.add("scopes", "Scopes are too long (300 characters at most).")
    if len(notes or "") > 500:
        errors.add("notes", "Notes are too long (500 characters at most).")
    errors.raise_if_any()
    credential, _ = Credential.objects.get_or_create(connector=connector, kind=kind)
    versions = CredentialVersion.objects.select_for_update().filter(credential=credential)
    if versions.filter(status=Status.PENDING).exists():
        raise ConnectorError("A new version is already pending: test and activate it, or revoke it, first.")
    number = (versions.order_by("-version").values_list("version", flat=True).first() or 0) + 1
    first = number == 1
    now = timezone.now()
    version = CredentialVersion.objects.create(
        credential=credential,
        version=number,
        status=Status.ACTIVE if first else Status.PENDING,
        secret_token=vault.encrypt(secret),
        fingerprint=vault.fingerprint(secret),
        scopes=scopes or "",
        notes=notes or "",
        created_by=_user(actor),
        expires_at=expires_at,
        activated_at=now if first else None,
    )
    changes = {"status": [None, version.status], "expires_at": [None, _iso(expires_at)], "scopes": [None, scopes]}
    _audit_version(version, actor=actor, kind="credential.added", changes=changes, reason=text)
    return version


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _iso(value):
    return value.isoformat() if value else None


def credential_version_test(*, version: CredentialVersion, reason: str, actor) -> dict:
    """Run the adapter's connection test with this (pending) version's secret; record the outcome on it.

    The network call runs outside any transaction (a slow system must not hold the database). Returns the
    test report (never the secret). Raises AccessDenied, ValidationError (no reason), ConnectorError (not pending).
    """
    connector = version.credential.connector
    require(actor, ROTATE, connector, "You may not manage the credentials of this connector.")
    text = _require_reason(reason)
    if version.status != Status.PENDING:
        raise ConnectorError(
            f"Only a pending version can be tested this way; version {version.version} is {version.status}."
        )
    report = secrets.test_with_version(version)
    with transaction.atomic():
        version = CredentialVersion.objects.select_for_update().get(pk=version.pk)
        before = {"test_ok": version.test_ok}
        version.tested_at, version.test_ok, version.test_message = timezone.now(), report["ok"], report["message"][:500]
        version.save(update_fields=["tested_at", "test_ok", "test_message"])
        _audit_version(
            version,
            actor=actor,
            kind="credential.tested",
            reason=text,
            changes={"test_ok": [before["test_ok"], report["ok"]]},
            report=report,
        )
    return report


@transaction.atomic
def credential_version_approve(*, version: CredentialVersion, reason: str, actor) -> CredentialVersion:
    """Four-eyes: a second IT user approves the activation of a pending version (author ≠ approver).

    Raises AccessDenied without `approve_credential` on the connector; ConnectorError when the actor created
    the version, or it is not pending, or its test has not passed.
    """
    connector = version.credential.connector
    require(actor, APPROVE, connector, "You may not approve credentials of this connector.")
    text = _require_reason(reason)
    version = CredentialVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != Status.PENDING:
        raise ConnectorError(f"Version {version.version} is {version.status}; only a pending version can be approved.")
    if version.created_by_id is not None and version.created_by_id == getattr(actor, "pk", None):
        raise ConnectorError("You added this version, so someone else must approve it (four-eyes).")
    if not version.test_ok:
        raise ConnectorError("Test this version against the live system first; only a passing version can be approved.")
    version.approved_by, version.approved_at = actor, timezone.now()
    version.save(update_fields=["approved_by", "approved_at"])
    _audit_version(
        version,
        actor=actor,
        kind="credential.approved",
        reason=text,
        changes={"approved_by": [None, actor.get_username()]},
    )
    return version


@transaction.atomic
def credential_version_activate(
    *, version: CredentialVersion, reason: str, actor, grace_hours: int | None = None
) -> CredentialVersion:
    """Make a tested pending version the active one; the previous active version becomes retired and is still
    accepted for inbound webhook signatures until now + grace (default: the connector's rotation_grace_hours).

    Raises AccessDenied; ConnectorError when the version is not pending, its last test did not pass, or the
    connector needs four-eyes approval that is missing. Clears an authentication pause of the connector.
    """
    connector = version.credential.connector
    require(actor, ROTATE, connector, "You may not manage the credentials of this connector.")
    text = _require_reason(reason)
    version = CredentialVersion.objects.select_for_update().get(pk=version.pk)
    _check_activatable(version, connector)
    now = timezone.now()
    grace = dt.timedelta(hours=connector.rotation_grace_hours if grace_hours is None else grace_hours)
    previous = (
        CredentialVersion.objects.select_for_update()
        .filter(credential=version.credential_id, status=Status.ACTIVE)
        .first()
    )
    if previous is not None:
        previous.status, previous.retired_at, previous.grace_until = Status.RETIRED, now, now + grace
        previous.save(update_fields=["status", "retired_at", "grace_until"])
    version.status, version.activated_at = Status.ACTIVE, now
    version.save(update_fields=["status", "activated_at"])
    _audit_version(
        version,
        actor=actor,
        kind="credential.activated",
        reason=text,
        changes={"status": [Status.PENDING, Status.ACTIVE]},
        retired_version=previous.version if previous else None,
        grace_until=_iso(previous.grace_until) if previous else None,
    )
    health.after_activation(version, actor=actor)
    return version


def _check_activatable(version: CredentialVersion, connector: Connector) -> None:
    if version.status != Status.PENDING:
        raise ConnectorError(f"Version {version.version} is {version.status}; only a pending version can be activated.")
    if not version.test_ok or version.tested_at is None:
        raise ConnectorError(
            "Test this version against the live system first; it is activated only after a passing test."
        )
    if connector.four_eyes_rotation and (
        version.approved_by_id is None or version.approved_by_id == version.created_by_id
    ):
        raise ConnectorError("This connector requires a second IT user to approve the new version before activation.")


@transaction.atomic
def credential_version_revoke(*, version: CredentialVersion, reason: str, actor) -> CredentialVersion:
    """Revoke a version: it is never used or accepted again and its encrypted secret is destroyed.

    Revoking the active version leaves the connector without a secret (its flows pause) — for a leaked secret.
    Raises AccessDenied, ValidationError (no reason), ConnectorError (already revoked).
    """
    connector = version.credential.connector
    require(actor, ROTATE, connector, "You may not manage the credentials of this connector.")
    text = _require_reason(reason)
    version = CredentialVersion.objects.select_for_update().get(pk=version.pk)
    if version.status == Status.REVOKED:
        raise ConnectorError(f"Version {version.version} is already revoked.")
    before = version.status
    version.status, version.revoked_at, version.secret_token, version.grace_until = (
        Status.REVOKED,
        timezone.now(),
        "",
        None,
    )
    version.save(update_fields=["status", "revoked_at", "secret_token", "grace_until"])
    _audit_version(
        version, actor=actor, kind="credential.revoked", reason=text, changes={"status": [before, Status.REVOKED]}
    )
    return version
