"""The only place where a stored secret is decrypted, for a connector client at call time.

- `credential_secret_for_use(connector, kind=None)`: the active secret (the adapter's main kind by default);
  records `last_used_at`. Raises CredentialUnavailable (none active) or UndecryptableSecret (no key fits).
- `webhook_secrets_accepted(connector)`: the webhook signing secrets to accept now — the active one first,
  then retired ones still inside their grace period. For the inbound intake (HMAC verification).
- `run_test(connector, kind, secret)`: the adapter's connection test with a given secret, never raising.

Callers keep the returned strings in local variables only: never log them, put them in a ledger payload,
an exception message, a template context or an API response.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from apps.connectors import vault
from apps.connectors.backends import base, get_backend
from apps.connectors.errors import CredentialUnavailable
from apps.connectors.models import CredentialKind, CredentialVersion
from apps.connectors.models import CredentialVersionStatus as Status

logger = logging.getLogger(__name__)
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)  # at most one write per minute per version, however busy


def active_version(connector, kind: str | None = None) -> CredentialVersion | None:
    """The active version of `kind`, or of the first of the adapter's outbound kinds that has one."""
    kinds = [kind] if kind else list(get_backend(connector.adapter).credential_kinds)
    active = CredentialVersion.objects.filter(credential__connector=connector, status=Status.ACTIVE)
    by_kind = {v.credential.kind: v for v in active.select_related("credential").filter(credential__kind__in=kinds)}
    return next((by_kind[k] for k in kinds if k in by_kind), None)


@sensitive_variables()
def credential_secret_for_use(connector, kind: str | None = None) -> str:
    """The plaintext of the connector's active secret, for one call to the system. Updates last_used_at."""
    version = active_version(connector, kind)
    if version is None:
        what = CredentialKind(kind).label.lower() if kind else "credential"
        raise CredentialUnavailable(
            f"Connector “{connector.name}” has no active {what}: add one on its credentials page."
        )
    secret = vault.decrypt(version.secret_token)
    _touch(version)
    return secret


def _touch(version: CredentialVersion) -> None:
    now = timezone.now()
    if version.last_used_at is None or now - version.last_used_at >= LAST_USED_RESOLUTION:
        CredentialVersion.objects.filter(pk=version.pk).update(last_used_at=now)


@sensitive_variables()
def webhook_secrets_accepted(connector) -> list[str]:
    """Plaintext webhook secrets accepted for inbound signatures now: active first, then those in grace.

    A secret that cannot be decrypted is skipped (and logged without its value), so a half-rotated keyring
    degrades to "signature invalid" rather than an error page. Empty list: nothing accepted.
    """
    now = timezone.now()
    versions = CredentialVersion.objects.filter(
        Q(status=Status.ACTIVE) | Q(status=Status.RETIRED, grace_until__gt=now),
        credential__connector=connector,
        credential__kind=CredentialKind.WEBHOOK_SECRET,
    ).order_by("status", "-version")  # "active" sorts before "retired"
    accepted = []
    for version in versions:
        try:
            accepted.append(vault.decrypt(version.secret_token))
        except vault.UndecryptableSecret:
            logger.error("webhook secret v%s of connector %s cannot be decrypted", version.version, connector.slug)
    return accepted


@sensitive_variables()
def test_with_version(version: CredentialVersion) -> dict:
    """The connection test of the version's connector using this version's secret (pending versions)."""
    try:
        secret = vault.decrypt(version.secret_token)
    except vault.UndecryptableSecret as error:
        return base.result(False, str(error))
    return run_test(version.credential.connector, version.credential.kind, secret)


@sensitive_variables()
def run_test(connector, kind: str | None, secret: str | None) -> dict:
    """The adapter's test with `secret`; an inbound-only secret (webhook signing) is only checked for presence."""
    backend = get_backend(connector.adapter)
    if kind and kind not in backend.credential_kinds:
        if not secret:
            return base.result(False, "The signing secret is empty.")
        return base.result(True, "Inbound signing secret in place; configure the same secret on the platform.")
    try:
        return backend.test_connection(connector, secret)
    except Exception as error:  # noqa: BLE001 — a test must report, not crash the page
        logger.warning("connection test of %s raised %s", connector.slug, type(error).__name__)
        return base.result(False, base.scrub(f"The test could not run: {error}", secret))
