"""Expense-platform adapters whose connection test calls the platform over HTTP (httpx, bounded timeouts).

Only the connection test lives here; fetching reports comes with the intake. Point `base_url` at the real
platform or at the expense-platform sandbox: the requests are the platforms' own.
"""

import json

import httpx
from django.views.decorators.debug import sensitive_variables

from apps.connectors.backends import base, register

AUTH_STATUSES = (401, 403, 407)


def _timeout(connector) -> httpx.Timeout:
    seconds = float(connector.options.get("timeout", 20.0))
    return httpx.Timeout(seconds, connect=min(seconds, 5.0))


def _transport_failure(error: httpx.HTTPError, secret: str) -> dict:
    if isinstance(error, httpx.TimeoutException):
        return base.result(False, "The platform did not answer in time (timeout); try again or raise the timeout.")
    if isinstance(error, httpx.ConnectError):
        return base.result(False, "Could not connect to the platform: check the base URL and the network.")
    return base.result(False, base.scrub(f"HTTP error talking to the platform: {type(error).__name__}", secret))


@register
class ExpensifyBackend(base.Backend):
    """Expensify Integration Server: one POST endpoint, `requestJobDescription` with partner credentials."""

    name = "expensify"
    label = "Expensify"
    connector_kinds = ("expense_platform",)
    credential_kinds = ("api_key",)
    options_schema = {
        "partner_user_id": base.Option(str, required=True, help="partnerUserID of the integration credentials."),
        "policy_id": base.Option(str, help="Policy whose reports are exported."),
        "entity_by_policy": base.Option(dict, help="Pull flows: policyID → legal entity code."),
        "timeout": base.Option(float, default=20.0, min=1, max=120),
    }
    sensitive_parameters = frozenset({"partnerusersecret", "partner_user_secret"})

    @sensitive_variables()
    def test_connection(self, connector, credential_secret):
        if not credential_secret:
            return base.result(False, "No partnerUserSecret (API key) is active for this connector.")
        job = {
            "type": "get",
            "credentials": {"partnerUserID": connector.options.get("partner_user_id", ""), "partnerUserSecret": ""},
            "inputSettings": {"type": "policyList"},
        }
        job["credentials"]["partnerUserSecret"] = credential_secret
        try:
            with base.Stopwatch() as watch:
                response = httpx.post(
                    connector.base_url, data={"requestJobDescription": json.dumps(job)}, timeout=_timeout(connector)
                )
        except httpx.HTTPError as error:
            return _transport_failure(error, credential_secret)
        return _expensify_result(response, watch.ms, credential_secret)


def _expensify_result(response: httpx.Response, latency_ms: int, secret: str) -> dict:
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = body.get("responseCode", response.status_code) if isinstance(body, dict) else response.status_code
    text = base.scrub(body.get("responseMessage", "") if isinstance(body, dict) else "", secret)
    if response.status_code in AUTH_STATUSES or code in AUTH_STATUSES:
        return base.result(False, f"Expensify refused the credentials ({code}). {text}".strip(), auth_failed=True)
    if response.status_code != 200 or code != 200:
        return base.result(False, f"Expensify answered {code}. {text}".strip(), latency_ms=latency_ms)
    policies = body.get("policyList", []) if isinstance(body, dict) else []
    details = {"policies": [{"id": p.get("id"), "name": p.get("name")} for p in policies if isinstance(p, dict)][:50]}
    return base.result(True, f"Connected; {len(policies)} policies visible.", latency_ms=latency_ms, details=details)


@register
class ConcurBackend(base.Backend):
    """SAP Concur: the test obtains an OAuth2 token (client credentials) from the configured token endpoint."""

    name = "concur"
    label = "SAP Concur"
    connector_kinds = ("expense_platform",)
    credential_kinds = ("oauth_client",)
    options_schema = {
        "client_id": base.Option(str, required=True),
        "token_path": base.Option(str, default="/oauth2/v0/token"),
        "entity_by_policy": base.Option(dict, help="Pull flows: policyId → legal entity code."),
        "entity_custom_field": base.Option(str, help="Pull flows: report customData id holding the entity code."),
        "tax_code_field": base.Option(str, help="Pull flows: expense customData id holding the tax code."),
        "timeout": base.Option(float, default=20.0, min=1, max=120),
    }
    sensitive_parameters = frozenset({"client_secret", "refresh_token", "access_token"})

    @sensitive_variables()
    def test_connection(self, connector, credential_secret):
        if not credential_secret:
            return base.result(False, "No OAuth client secret is active for this connector.")
        url = connector.base_url.rstrip("/") + "/" + connector.options.get("token_path", "/oauth2/v0/token").lstrip("/")
        form = {"grant_type": "client_credentials", "client_id": connector.options.get("client_id", "")}
        form["client_secret"] = credential_secret
        try:
            with base.Stopwatch() as watch:
                response = httpx.post(url, data=form, timeout=_timeout(connector))
        except httpx.HTTPError as error:
            return _transport_failure(error, credential_secret)
        return _concur_result(response, watch.ms, credential_secret)


def _concur_result(response: httpx.Response, latency_ms: int, secret: str) -> dict:
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    error = base.scrub(str(body.get("error_description") or body.get("error") or ""), secret)
    if response.status_code in (400, 401, 403) and (response.status_code != 400 or "invalid_client" in str(body)):
        return base.result(False, f"Concur refused the client credentials. {error}".strip(), auth_failed=True)
    if response.status_code != 200 or "access_token" not in body:
        return base.result(False, f"Concur token endpoint answered {response.status_code}. {error}".strip())
    details = {"scope": body.get("scope", ""), "expires_in": body.get("expires_in")}
    return base.result(True, "Obtained an access token from Concur.", latency_ms=latency_ms, details=details)
