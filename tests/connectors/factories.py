"""Building connectors for tests through the services (so every row is what production would write)."""

from apps.connectors.models import CredentialVersion
from apps.connectors.services import connector_create, credential_version_add

WEBHOOK_SECRET = "whsec-Initial-7f3a9c1e5b2d4086aa11"
NEXT_SECRET = "whsec-Rotated-c0ffee0dd5eed1234bb22"


def webhook_connector(
    *, owner, entities=(), slug="hooks", secret=WEBHOOK_SECRET, pending=False, four_eyes=False, grace_hours=24
):
    """A generic_webhook connector with an active signing secret v1 (and a pending v2 when asked)."""
    connector = connector_create(
        actor=owner,
        data={
            "name": f"Platform {slug}",
            "slug": slug,
            "kind": "expense_platform",
            "adapter": "generic_webhook",
            "four_eyes_rotation": four_eyes,
            "rotation_grace_hours": grace_hours,
        },
        entities=entities,
        reason="test set-up",
        initial_secret=secret,
    )
    active = CredentialVersion.objects.get(credential__connector=connector, status="active")
    next_version = None
    if pending:
        next_version = credential_version_add(
            connector=connector, kind="webhook_secret", secret=NEXT_SECRET, reason="test rotation", actor=owner
        )
    return connector, active, next_version


def odoo_connector(*, owner, url, database, login="admin", secret="admin", slug="odoo", protocol="xmlrpc", entities=()):  # noqa: S107
    return connector_create(
        actor=owner,
        data={
            "name": f"Odoo {slug}",
            "slug": slug,
            "kind": "odoo",
            "adapter": "odoo",
            "base_url": url,
            "database": database,
            "protocol": protocol,
            "options": {"login": login, "timeout": 10.0},
        },
        entities=entities,
        reason="test set-up",
        initial_secret=secret,
    )
