"""How mappings reach Odoo for a connector — isolated here so it can follow the connectors app's API.

Only the master-data refresh calls Odoo, through the gateway (apps.connectors.odoo), never directly.
"""

from __future__ import annotations


def odoo_connector_for(entity):
    """The enabled Odoo connector serving `entity` (lowest id when several do), or None."""
    from apps.connectors.models import Connector, ConnectorKind

    return Connector.objects.filter(kind=ConnectorKind.ODOO, enabled=True, entities=entity).order_by("pk").first()


def _gateway_for(connector):
    """An OdooGateway for `connector` with its active secret (decrypted for this use only, never stored).

    Raises apps.connectors.errors.CredentialUnavailable when the connector has no active secret.
    """
    from apps.connectors.backends import get_backend
    from apps.connectors.odoo import OdooGateway
    from apps.connectors.services.secrets import credential_secret_for_use

    secret = credential_secret_for_use(connector)
    return OdooGateway(get_backend(connector.adapter).config(connector, secret))
