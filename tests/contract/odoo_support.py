"""Helpers for the Odoo gateway tests (plain functions; the fixtures live in tests/contract/odoo_targets.py)."""

import contextlib
import os

from apps.connectors.odoo import OdooConfig, OdooGateway

REAL_ENV = ("ODOO11_URL", "ODOO11_DB", "ODOO11_LOGIN", "ODOO11_PASSWORD")


def real_odoo11_config(protocol: str = "xmlrpc", **overrides) -> OdooConfig:
    url, db, login, password = (os.environ[name] for name in REAL_ENV)
    values = {"url": url, "database": db, "login": login, "secret": password, "protocol": protocol, "timeout": 30.0}
    return OdooConfig(**(values | overrides))


def sandbox_config(sandbox, protocol: str = "xmlrpc", **overrides) -> OdooConfig:
    """A config for one sandbox; JSON-2 authenticates with the sandbox's API key instead of the password."""
    secret = sandbox.api_key if protocol.startswith("json2") else sandbox.password
    values = {
        "url": sandbox.url,
        "database": sandbox.database,
        "login": sandbox.login,
        "secret": secret,
        "protocol": protocol,
        "timeout": 10.0,
    }
    return OdooConfig(**(values | overrides))


def with_(config: OdooConfig, **changes) -> OdooConfig:
    """A copy of a config with some values changed."""
    return OdooConfig(**(config.__dict__ | changes))


@contextlib.contextmanager
def gateway(config: OdooConfig):
    gw = OdooGateway(config)
    try:
        yield gw
    finally:
        gw.close()


@contextlib.contextmanager
def faults(sandbox, **settings):
    """Switch sandbox fault injection on for the block, and off again whatever happens."""
    sandbox.set_faults(settings)
    try:
        yield
    finally:
        sandbox.set_faults({})
