"""The only place where a stored secret is decrypted, for a connector client at call time.

- `credential_secret_for_use(connector, kind=None)`: the active secret (the adapter's main kind by default);
  records `last_used_at`. Raises CredentialUnavailable (none active) or UndecryptableSecret (no key fits).
- `webhook_secrets_accepted(connector)`: the webhook signing secrets to accept now — the active one first,
  then retired ones still inside their grace period. For the inbound intake (HMAC verification).
- `webhook_receiver(slug)`: the enabled webhook connector with this slug and its accepted secrets, from a
  per-process cache (see `_WebhookCache`): the intake's hot path, no query while the entry is fresh.
- `run_test(connector, kind, secret)`: the adapter's connection test with a given secret, never raising.

Callers keep the returned strings in local variables only: never log them, put them in a ledger payload,
an exception message, a template context or an API response.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from apps.connectors import vault
from apps.connectors.backends import base, get_backend
from apps.connectors.errors import CredentialUnavailable
from apps.connectors.models import Connector, Credential, CredentialKind, CredentialVersion
from apps.connectors.models import CredentialVersionStatus as Status
from integration_console.process_cache import ProcessCache

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
    return [secret for secret, grace_until in _webhook_secrets(connector, now) if _in_grace(grace_until, now)]


@sensitive_variables()
def _webhook_secrets(connector, now) -> list[tuple[str, dt.datetime | None]]:
    """(plaintext, grace_until) of the active secret (grace_until None) and of retired ones in grace at `now`."""
    versions = CredentialVersion.objects.filter(
        Q(status=Status.ACTIVE) | Q(status=Status.RETIRED, grace_until__gt=now),
        credential__connector=connector,
        credential__kind=CredentialKind.WEBHOOK_SECRET,
    ).order_by("status", "-version")  # "active" sorts before "retired"
    accepted = []
    for version in versions.only("version", "status", "secret_token", "grace_until"):
        try:
            secret = vault.decrypt(version.secret_token)
        except vault.UndecryptableSecret:
            logger.error("webhook secret v%s of connector %s cannot be decrypted", version.version, connector.slug)
            continue
        accepted.append((secret, None if version.status == Status.ACTIVE else version.grace_until))
    return accepted


def _in_grace(grace_until: dt.datetime | None, now: dt.datetime) -> bool:
    return grace_until is None or grace_until > now


@dataclass(frozen=True)
class _WebhookEntry:
    connector: Connector  # read-only snapshot (pk, slug, kind, adapter, name) shared by the process's requests
    secrets: tuple[tuple[str, dt.datetime | None], ...]

    def __repr__(self) -> str:  # never the secrets, should an entry end up in a log or a traceback
        return f"<webhook receiver {self.connector.slug}: {len(self.secrets)} secret(s)>"


class _WebhookCache(ProcessCache):
    """Per-process cache of each webhook connector and its accepted secrets, keyed by connector slug.

    Every signed webhook would otherwise cost a connector query, a join over credential versions and a Fernet
    decryption (about a third of the intake's CPU). Freshness (integration_console.process_cache): a save or
    delete of a Connector, Credential or CredentialVersion (rotation, retirement, revocation, disabling, slug
    change) empties the cache at once in this process; in other processes (other gunicorn workers, the qcluster)
    an entry lives at most TTL seconds, so a revoked secret or disabled connector stops being accepted everywhere
    within 5 s of the commit. That bound is acceptable: the window a revocation closes (a leak noticed, a
    decision taken) is minutes or hours long, 5 s more in other processes does not change it, and the process
    that revoked refuses at once. A retired secret's grace_until is kept in the entry and compared at each use,
    so grace ends to the second even inside a fresh entry. Misses (unknown or disabled slugs) are not cached. The
    plaintexts stay in this process's memory only (as they did per request before); an entry's repr does not
    show them.
    """

    @sensitive_variables()
    def get(self, slug: str) -> _WebhookEntry | None:
        entry = self.fresh(slug)
        if entry is not None:
            return entry
        started = self.loading()
        connector = (
            Connector.objects.filter(slug=slug, kind="expense_platform", enabled=True)
            .only("pk", "slug", "kind", "adapter", "name")
            .first()
        )
        if connector is None:
            self.forget(slug)
            return None
        entry = _WebhookEntry(connector, tuple(_webhook_secrets(connector, timezone.now())))
        self.store(slug, entry, started)
        return entry


_webhook_cache = _WebhookCache(Connector, Credential, CredentialVersion, name="webhook-cache")


@sensitive_variables()
def webhook_receiver(slug: str) -> tuple[Connector | None, list[str]]:
    """The enabled expense-platform connector with `slug` and its webhook secrets accepted now (active first,
    then those in grace), or (None, []). Cached per process (see `_WebhookCache` for how fresh it is)."""
    entry = _webhook_cache.get(slug)
    if entry is None:
        return None, []
    now = timezone.now()
    return entry.connector, [secret for secret, grace_until in entry.secrets if _in_grace(grace_until, now)]


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
