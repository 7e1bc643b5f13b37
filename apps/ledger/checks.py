"""System checks of the ledger's settings: a bad anchor URL or secret would only show at the first export."""

import base64
import binascii

from django.conf import settings
from django.core.checks import Error, register


@register()
def anchor_export_settings(app_configs=None, **kwargs):
    errors = []
    url, secret = settings.LEDGER_ANCHOR_URL, settings.LEDGER_ANCHOR_SECRET
    if url and not url.startswith(("http://", "https://")):
        errors.append(Error("LEDGER_ANCHOR_URL must be an http(s) URL.", id="ledger.E001"))
    if secret:
        try:
            valid = secret.startswith("whsec_") and bool(base64.b64decode(secret[6:], validate=True))
        except (binascii.Error, ValueError):
            valid = False
        if not valid:
            errors.append(
                Error("LEDGER_ANCHOR_SECRET must be a Standard Webhooks secret: whsec_<base64 key>.", id="ledger.E002")
            )
    return errors
