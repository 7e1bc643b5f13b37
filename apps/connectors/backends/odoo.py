"""odoo: wraps the Odoo gateway (apps.connectors.odoo), the only code in the console that calls Odoo."""

from django.views.decorators.debug import sensitive_variables

from apps.connectors.backends import base, register

PROTOCOLS = ("xmlrpc", "xmlrpcs", "jsonrpc", "jsonrpcs", "json2", "json2s")


@register
class OdooBackend(base.Backend):
    name = "odoo"
    label = "Odoo"
    connector_kinds = ("odoo",)
    credential_kinds = ("password", "api_key")
    requires_database = True
    protocols = PROTOCOLS
    options_schema = {
        "login": base.Option(str, required=True, help="The integration user's login in Odoo."),
        "timeout": base.Option(float, default=30.0, min=1, max=300, help="Seconds per call."),
    }
    sensitive_parameters = frozenset({"password", "api_key", "secret"})

    @sensitive_variables()
    def config(self, connector, credential_secret: str):
        from apps.connectors.odoo import OdooConfig

        return OdooConfig(
            url=connector.base_url,
            database=connector.database,
            login=connector.options.get("login", ""),
            secret=credential_secret,
            protocol=connector.protocol or "xmlrpc",
            timeout=float(connector.options.get("timeout", 30.0)),
            rate_limit_key=f"connector:{connector.slug}",
            rate_per_second=connector.rate_limit_per_second,
        )

    @sensitive_variables()
    def test_connection(self, connector, credential_secret):
        from apps.connectors.odoo import OdooGateway
        from apps.connectors.odoo.faults import OdooAuthError, OdooError

        if not credential_secret:
            return base.result(False, "No password or API key is active for this Odoo connector.")
        try:
            report = OdooGateway(self.config(connector, credential_secret)).test_connection()
        except OdooAuthError as error:
            return base.result(False, base.scrub(error, credential_secret), auth_failed=True)
        except OdooError as error:
            return base.result(False, base.scrub(error, credential_secret))
        return _from_report(report, credential_secret)


def _from_report(report, secret: str) -> dict:
    details = {
        "database": report.database,
        "user": _plain(report.user),
        "companies": _plain(report.companies),
        "missing_rights": _plain(report.missing_rights),
    }
    error = base.scrub(report.error or "", secret)
    auth_failed = _is_auth_error(report)
    if report.ok:
        missing = len(report.missing_rights or [])
        message = f"Connected to Odoo {report.server_version}" + (
            f"; {missing} access rights missing" if missing else ""
        )
    else:
        message = error or "The Odoo connection test failed."
    return base.result(
        bool(report.ok),
        message,
        latency_ms=_int(report.latency_ms),
        server_version=str(report.server_version or ""),
        auth_failed=auth_failed,
        details=details,
    )


def _is_auth_error(report) -> bool:
    return not report.ok and getattr(report, "error_class", "") == "OdooAuthError"


def _int(value):
    return None if value is None else int(value)


def _plain(value):
    """The report's parts as JSON (lists/dicts of plain values; dataclasses become dicts)."""
    if hasattr(value, "_asdict"):  # NamedTuple (OdooUser, Company)
        return {str(k): _plain(v) for k, v in value._asdict().items()}
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value
