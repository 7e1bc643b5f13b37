"""Demo data: the Odoo sandbox connector and a webhook platform, created once however often seeding runs."""

import io

from apps.connectors import demo
from apps.connectors.models import Connector, CredentialVersion
from apps.connectors.services import credential_secret_for_use


def test_demo_seed_is_idempotent_and_uses_demo_webhook_secret(it_admin, entities, settings, monkeypatch):
    monkeypatch.setenv("DEMO_WEBHOOK_SECRET", "demo-Webhook-Secret-0123456789")
    for _ in range(2):
        demo.seed(io.StringIO())
    odoo = Connector.objects.get(slug="odoo-sandbox")
    assert (odoo.base_url, odoo.database, odoo.protocol) == (settings.ODOO_SANDBOX_URL, "sandbox", "xmlrpc")
    assert sorted(e.code for e in odoo.entities.all()) == ["DE", "FR", "US"] and odoo.owner == it_admin
    assert credential_secret_for_use(odoo) == "admin"
    assert credential_secret_for_use(Connector.objects.get(slug="demo-platform")) == "demo-Webhook-Secret-0123456789"
    assert CredentialVersion.objects.count() == 2


def test_demo_generates_and_prints_a_webhook_secret_when_none_is_set(it_admin, entities, monkeypatch):
    monkeypatch.delenv("DEMO_WEBHOOK_SECRET", raising=False)
    out = io.StringIO()
    demo.seed(out)
    printed = out.getvalue().split("DEMO_WEBHOOK_SECRET to fix it): ")[1].strip()
    assert credential_secret_for_use(Connector.objects.get(slug="demo-platform")) == printed
    assert printed.startswith("whsec_")  # a Standard Webhooks secret: the demo webhook script can sign with it
