"""Sandbox-backed fixtures for the flow engine: a real Odoo sandbox process per version, master data read from
it by the real refresh, approved mappings, and a flow from a webhook platform to it.

    setup = posting_setup(version=17, posting_mode="journal_entry")   # a Setup (see below)
    setup.count("account.move", [["ref", "=", key]])                  # counted over XML-RPC on the sandbox
"""

import contextlib
import xmlrpc.client
from dataclasses import dataclass

import pytest

from apps.mappings.services.master import master_data_refresh
from apps.sync.services.gateway import forget_gateways
from tests.sync import helpers


@pytest.fixture(scope="session")
def sandboxes(tmp_path_factory):
    """sandboxes(version) → a running Odoo sandbox of that version (started once per session)."""
    from sandbox.odoo.testing import run_sandbox

    running: dict[int, object] = {}
    with contextlib.ExitStack() as stack:

        def get(version: int):
            if version not in running:
                data_dir = tmp_path_factory.mktemp(f"sync-odoo{version}")
                running[version] = stack.enter_context(run_sandbox(version=version, data_dir=data_dir))
            return running[version]

        yield get


@dataclass
class Setup:
    sandbox: object
    flow: object
    source: object
    target: object
    entity: object

    def odoo(self, model: str, method: str, *args, **kw):
        """One call to the sandbox as its admin, outside the console (the test's independent view of Odoo)."""
        proxy = xmlrpc.client.ServerProxy(f"{self.sandbox.url}/xmlrpc/2/object", allow_none=True)
        sb = self.sandbox
        return proxy.execute_kw(sb.database, sb.admin_uid, sb.password, model, method, list(args), kw)

    def count(self, model: str, domain: list) -> int:
        return self.odoo(model, "search_count", domain)

    def moves(self, key: str) -> list[dict]:
        return self.odoo("account.move", "search_read", [["ref", "=", key]], fields=["state", "name", "journal_id"])


FR_RULES = {
    "employee": [],  # auto-match by work e-mail
    "category": [],  # auto-match by product reference (TAXI → product 1)
    "tax_code": [("FR-20", "account.tax", 2), ("FR-10", "account.tax", 3)],
    "project": [("PRJ-ALPHA", "account.analytic.account", 1), ("PRJ-BETA", "account.analytic.account", 2)],
    "cost_centre": [],  # auto-match by analytic account code (CC-SALES → 4)
    "currency": [],  # auto-match by ISO code
}


@pytest.fixture
def posting_setup(sandboxes, entities, it_admin, controller):
    """posting_setup(version=17, protocol="xmlrpc", trigger="manual", **flow fields) → Setup on entity FR.

    The sandbox is reset first; master data comes from it through the real refresh; mappings are approved."""
    forget_gateways()

    def build(version: int = 17, *, protocol: str = "xmlrpc", secret: str | None = None, **flow_fields) -> Setup:
        sb = sandboxes(version)
        sb.reset()
        fr = entities["FR"]
        kind = "api_key" if protocol.startswith("json2") else "password"
        target = helpers.odoo_connector(it_admin, url=sb.url, database=sb.database, login=sb.login,
                                        password=secret or (sb.api_key if kind == "api_key" else sb.password),
                                        entities=[fr], protocol=protocol, secret_kind=kind)  # fmt: skip
        source = helpers.webhook_connector(it_admin, entities=[fr])
        if secret is None:
            master_data_refresh(connector=target, entity=fr, actor="test")
        else:  # a wrong secret cannot read master data: take it from a good connector of the same sandbox
            good = helpers.odoo_connector(it_admin, url=sb.url, database=sb.database, login=sb.login,
                                          password=sb.password, entities=[fr], slug="odoo-reader")  # fmt: skip
            master_data_refresh(connector=good, entity=fr, actor="test")
        fr.refresh_from_db()
        for dimension, rules in FR_RULES.items():
            helpers.active_mapping(fr, dimension, controller, rules, auto_match=not rules)
        flow_fields.setdefault("trigger", "manual")
        flow = helpers.flow(source, target, [fr], **flow_fields)
        return Setup(sandbox=sb, flow=flow, source=source, target=target, entity=fr)

    yield build
    forget_gateways()


@pytest.fixture
def inline_tasks(monkeypatch):
    """django-q2 runs every enqueued task at once, in this process (Q_CLUSTER sync), instead of queueing it."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
