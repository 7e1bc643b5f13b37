"""The Odoo gateway: the only code in the project that calls Odoo (11 and 16–19, XML-RPC/JSON-RPC/JSON-2).

    from apps.connectors.odoo import OdooGateway, OdooConfig
    gw = OdooGateway(OdooConfig(url=..., database=..., login=..., secret=..., protocol="xmlrpc"))
    gw.test_connection()          # ConnectionReport: version, user, companies, missing rights
    gw.search_read(model, domain, fields, limit=..., offset=..., order=..., context=...)

Errors are `faults.OdooError` subclasses: TransientOdooError, OdooValidationError, OdooAuthError,
OdooUnknownError. Vocabulary per version lives in `profiles`; normalized master data in `master_data`;
the expense-report and journal-entry flows in `flows`.
"""

from apps.connectors.odoo.config import OdooConfig
from apps.connectors.odoo.faults import (
    OdooAuthError,
    OdooError,
    OdooUnknownError,
    OdooValidationError,
    TransientOdooError,
)
from apps.connectors.odoo.gateway import OdooGateway
from apps.connectors.odoo.profiles import VersionProfile
from apps.connectors.odoo.report import Company, ConnectionReport, OdooUser

__all__ = [
    "Company",
    "ConnectionReport",
    "OdooAuthError",
    "OdooConfig",
    "OdooError",
    "OdooGateway",
    "OdooUnknownError",
    "OdooUser",
    "OdooValidationError",
    "TransientOdooError",
    "VersionProfile",
]
