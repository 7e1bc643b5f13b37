"""Demo data: the Odoo sandbox, a webhook platform, the Expensify sandbox and the file drop, created once however
often seeding runs."""

import io

from apps.connectors import demo
from apps.connectors.models import Connector, CredentialVersion
from apps.connectors.services import credential_secret_for_use
from sandbox.platforms.expensify import CREDENTIALS


def test_demo_seed_is_idempotent_and_uses_demo_webhook_secret(it_admin, entities, settings, monkeypatch):
    monkeypatch.setenv("DEMO_WEBHOOK_SECRET", "demo-Webhook-Secret-0123456789")
    for _ in range(2):
        demo.seed(io.StringIO())
    odoo = Connector.objects.get(slug="odoo-sandbox")
    assert (odoo.base_url, odoo.database, odoo.protocol) == (settings.ODOO_SANDBOX_URL, "sandbox", "xmlrpc")
    assert sorted(e.code for e in odoo.entities.all()) == ["DE", "FR", "US"] and odoo.owner == it_admin
    assert credential_secret_for_use(odoo) == "admin"
    assert credential_secret_for_use(Connector.objects.get(slug="demo-platform")) == "demo-Webhook-Secret-0123456789"
    expensify = Connector.objects.get(slug="expensify-demo")
    assert expensify.adapter == "expensify" and expensify.options["entity_by_policy"]["POL-FR"] == "FR"
    assert credential_secret_for_use(expensify) == CREDENTIALS["partnerUserSecret"]  # the platform sandbox's
    assert Connector.objects.get(slug="file-upload").adapter == "csv_drop"  # where uploaded files come from
    assert CredentialVersion.objects.count() == 3


def test_demo_generates_and_prints_a_webhook_secret_when_none_is_set(it_admin, entities, monkeypatch):
    monkeypatch.delenv("DEMO_WEBHOOK_SECRET", raising=False)
    out = io.StringIO()
    demo.seed(out)
    printed = out.getvalue().split("DEMO_WEBHOOK_SECRET to fix it): ")[1].strip()
    assert credential_secret_for_use(Connector.objects.get(slug="demo-platform")) == printed
    assert printed.startswith("whsec_")  # a Standard Webhooks secret: the demo webhook script can sign with it
