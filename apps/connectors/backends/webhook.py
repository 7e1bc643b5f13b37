"""generic_webhook: a platform that pushes signed JSON to the console; the test checks a secret is in place."""

from django.views.decorators.debug import sensitive_variables

from apps.connectors.backends import base, register


@register
class GenericWebhookBackend(base.Backend):
    name = "generic_webhook"
    label = "Generic signed webhook"
    connector_kinds = ("expense_platform", "reporting")
    credential_kinds = ("webhook_secret",)
    requires_base_url = False
    options_schema = {
        "signature_header": base.Option(str, default="X-Signature", help="Header carrying the HMAC signature."),
        "signature_encoding": base.Option(str, default="hex", choices=("hex", "base64")),
        "tolerance_seconds": base.Option(int, default=300, min=0, max=3600, help="Accepted clock skew."),
    }
    sensitive_parameters = frozenset({"webhook_secret", "signature"})

    @sensitive_variables()
    def test_connection(self, connector, credential_secret):
        # Nothing to call: the platform calls us. What can be wrong is a missing or empty signing secret.
        if not credential_secret:
            return base.result(False, "No webhook signing secret is active: add one under Credentials.")
        return base.result(True, "A webhook signing secret is in place; inbound signatures can be verified.")
