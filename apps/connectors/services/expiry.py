"""Daily look-ahead at credential expiry: a `credential_expiring` worklist item and an email to the owner."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from apps.connectors.models import CredentialVersion
from apps.connectors.models import CredentialVersionStatus as Status
from apps.connectors.services._audit import event
from apps.connectors.services.notify import email_owner, open_worklist_item

WARN_BEFORE = dt.timedelta(days=14)


def credentials_check_expiry(*, now: dt.datetime | None = None) -> dict:
    """For every active version expiring within 14 days (or already expired): open/update the worklist item
    of its credential and, once per version, email the connector owner. Idempotent; returns counts."""
    now = now or timezone.now()
    due = CredentialVersion.objects.filter(
        status=Status.ACTIVE, expires_at__isnull=False, expires_at__lte=now + WARN_BEFORE
    )
    counts = {"expiring": 0, "emailed": 0}
    for version in due.select_related("credential__connector__owner"):
        with transaction.atomic():
            counts["emailed"] += _warn(version, now)
        counts["expiring"] += 1
    return counts


def _warn(version: CredentialVersion, now: dt.datetime) -> int:
    credential = version.credential
    connector = credential.connector
    days = (version.expires_at - now).days
    when = version.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    message = (
        f"The {credential.get_kind_display().lower()} of {connector.name} expired on {when}."
        if days < 0
        else f"The {credential.get_kind_display().lower()} of {connector.name} expires on {when} (in {days} days)."
    )
    open_worklist_item(
        category="credential_expiring",
        subject_key=f"credential:{credential.pk}",
        message=message,
        detail=f"Version {version.version} ({version.fingerprint}). Add a new version, test it and activate it.",
        connector=connector,
        severity="high" if days <= 3 else "medium",
        actor=None,
        context={"kind": credential.kind, "version": version.version, "days_left": days},
    )
    if version.expiry_notified_at is not None:
        return 0
    sent = email_owner(connector, subject=f"[Integration Console] {message}", body=_body(message, connector))
    CredentialVersion.objects.filter(pk=version.pk).update(expiry_notified_at=now)
    event(
        kind="credential.expiring",
        connector=connector,
        payload={"version": version.version, "days_left": days, "kind": credential.kind, "owner_emailed": sent},
    )
    return int(sent)


def _body(message: str, connector) -> str:
    return (
        f"{message}\n\nRotate it before then on the connector's credentials page: add a new version, test it against "
        f"the live system, and activate it. Flows using {connector.name} pause if the old secret stops working.\n"
    )
