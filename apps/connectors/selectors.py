"""Reads of connectors and credentials, always filtered by what the user may see.

- `connector_list(user)`: connectors the user holds `view_connector` on (finance and auditors: all; IT: those
  granted to them). `connector_get(user, slug)` raises Connector.DoesNotExist (→ 404) outside that set.
- `can_see_configuration(user, connector)`: configuration and credential metadata (owners, auditors);
  finance users see names and health only.
- `credential_get` / `version_get`: only for users who may see the connector's configuration.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from apps.access.permissions import can, visible
from apps.connectors.dependants import connector_dependants
from apps.connectors.models import Connector, Credential, CredentialVersion

VIEW = "connectors.view_connector"
CONFIG = "connectors.view_connector_configuration"


def connector_list(user) -> QuerySet[Connector]:
    return visible(Connector.objects.all(), user, VIEW).order_by("name")


def connector_get(user, slug: str) -> Connector:
    return connector_list(user).get(slug=slug)


def can_see_configuration(user, connector: Connector) -> bool:
    return can(user, CONFIG, connector)


def configurable_connectors(user) -> QuerySet[Connector]:
    return visible(Connector.objects.all(), user, CONFIG)


def credential_list(user, connector: Connector) -> list[Credential]:
    """The connector's credentials with their versions (metadata), or [] when the user may not see them."""
    if not can_see_configuration(user, connector):
        return []
    versions = Prefetch("versions", queryset=CredentialVersion.objects.select_related("created_by", "approved_by"))
    return list(connector.credentials.prefetch_related(versions).order_by("kind"))


def credential_get(user, pk: int) -> Credential:
    return Credential.objects.select_related("connector").get(pk=pk, connector__in=configurable_connectors(user))


def version_get(user, pk: int) -> CredentialVersion:
    return CredentialVersion.objects.select_related("credential__connector").get(
        pk=pk, credential__connector__in=configurable_connectors(user)
    )


def credential_overview(credential: Credential) -> dict:
    """What the credential page shows besides the versions: expiry countdown, last use, dependants."""
    versions = list(credential.versions.all())
    active = next((v for v in versions if v.status == "active"), None)
    now = timezone.now()
    days_left = (active.expires_at - now).days if active and active.expires_at else None
    last_used = max((v.last_used_at for v in versions if v.last_used_at), default=None)
    return {
        "versions": versions,
        "active": active,
        "pending": next((v for v in versions if v.status == "pending"), None),
        "days_left": days_left,
        "expiring_soon": days_left is not None and days_left <= 14,
        "last_used_at": last_used,
        "dependants": connector_dependants(credential.connector),
    }
