"""Demo connectors for `make run` (idempotent): the Odoo sandbox and three ways expense reports come in.

- `odoo-sandbox`: settings.ODOO_SANDBOX_URL, database `sandbox`, admin/admin over XML-RPC, serving US/FR/DE.
- `demo-platform`: a generic signed-webhook platform; its signing secret is DEMO_WEBHOOK_SECRET, or generated
  and printed once when that variable is unset (the demo sender needs to know it).
- `expensify-demo`: the Expensify Integration Server sandbox (Procfile.dev's `platform` process,
  EXPENSIFY_SANDBOX_URL, default http://127.0.0.1:8170) with the sandbox's partner credentials; its policies
  POL-US / POL-FR / POL-DE are the legal entities US / FR / DE.
- `file-upload`: the CSV/XLSX file drop (documents imported on the Documents → Import page come from it).
All are owned by the demo IT user `itadmin`. Existing connectors and secrets are left as they are.
"""

import base64
import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model

from apps.connectors.models import Connector
from apps.connectors.services import connector_create
from apps.documents.file_import import FILE_CONNECTOR
from apps.entities.models import LegalEntity

REASON = "Demo data (manage.py seed_demo)"


def seed(stdout) -> None:
    owner = get_user_model().objects.get(username="itadmin")
    entities = list(LegalEntity.objects.filter(code__in=["US", "FR", "DE"]))
    _ensure(
        stdout,
        owner,
        entities,
        slug="odoo-sandbox",
        secret="admin",  # noqa: S106 — the sandbox's documented demo login (admin/admin)
        data={
            "name": "Odoo sandbox",
            "kind": "odoo",
            "adapter": "odoo",
            "base_url": settings.ODOO_SANDBOX_URL,
            "database": "sandbox",
            "protocol": "xmlrpc",
            "options": {"login": "admin", "timeout": 30.0},
        },
    )
    webhook_secret = os.environ.get("DEMO_WEBHOOK_SECRET", "")
    generated = not webhook_secret
    # Standard Webhooks secrets are `whsec_` + base64 of the HMAC key (apps/documents/webhooks.py).
    webhook_secret = webhook_secret or "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    created = _ensure(
        stdout,
        owner,
        entities,
        slug="demo-platform",
        secret=webhook_secret,
        data={
            "name": "Demo expense platform",
            "kind": "expense_platform",
            "adapter": "generic_webhook",
            "options": {"signature_header": "X-Signature", "signature_encoding": "hex"},
        },
    )
    _ensure_expensify(stdout, owner, entities)
    _ensure(
        stdout,
        owner,
        entities,
        slug=FILE_CONNECTOR,
        secret="",
        data={
            "name": "File upload (CSV/XLSX)",
            "kind": "expense_platform",
            "adapter": "csv_drop",
            "options": {"directory": str(settings.DATA_DIR / "media"), "pattern": "*.csv"},
        },
    )
    if created and generated:
        # Printed once, on purpose: the demo platform sender must sign with it. Set DEMO_WEBHOOK_SECRET to choose.
        stdout.write(f"demo-platform webhook secret (generated; set DEMO_WEBHOOK_SECRET to fix it): {webhook_secret}")


def _ensure_expensify(stdout, owner, entities) -> None:
    from apps.documents.pull.expensify import PATH
    from sandbox.platforms.expensify import CREDENTIALS  # the sandbox's documented demo partner credentials

    base_url = os.environ.get("EXPENSIFY_SANDBOX_URL", "http://127.0.0.1:8170").rstrip("/")
    _ensure(
        stdout,
        owner,
        entities,
        slug="expensify-demo",
        secret=CREDENTIALS["partnerUserSecret"],
        data={
            "name": "Expensify (sandbox)",
            "kind": "expense_platform",
            "adapter": "expensify",
            "base_url": base_url + PATH,
            "options": {
                "partner_user_id": CREDENTIALS["partnerUserID"],
                "entity_by_policy": {"POL-US": "US", "POL-FR": "FR", "POL-DE": "DE"},
                "timeout": 20.0,
            },
        },
    )


def _ensure(stdout, owner, entities, *, slug: str, secret: str, data: dict) -> bool:
    if Connector.objects.filter(slug=slug).exists():
        stdout.write(f"connector {slug} already present")
        return False
    connector_create(actor=owner, data={**data, "slug": slug}, entities=entities, reason=REASON, initial_secret=secret)
    stdout.write(f"connector {slug} registered (owner itadmin)")
    return True
