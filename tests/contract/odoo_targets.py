"""Pytest plugin: the Odoo servers the gateway tests talk to over real sockets.

- `sandboxes(version)` → a running `sandbox.odoo` process for that version (started once per session, fresh data
  dir); skipped while the sandbox package is not built.
- `real_odoo11` → an OdooConfig for the REAL Odoo 11 named by ODOO11_URL/ODOO11_DB/ODOO11_LOGIN/ODOO11_PASSWORD;
  skipped when absent, a failure when REQUIRE_ODOO11=1 (CI starts it with scripts/real_odoo.sh).
Load it with `pytest_plugins = ["tests.contract.odoo_targets"]` in a test module (helpers: odoo_support).
"""

import contextlib
import os
import xmlrpc.client

import pytest

from apps.connectors.odoo import OdooConfig
from tests.contract.odoo_support import REAL_ENV, real_odoo11_config
from tests.services import required_service


def _real_odoo11_problem() -> str | None:
    missing = [name for name in REAL_ENV if not os.environ.get(name)]
    if missing:
        return f"set {', '.join(missing)} (CI: bash scripts/real_odoo.sh)"
    try:
        version = xmlrpc.client.ServerProxy(os.environ["ODOO11_URL"] + "/xmlrpc/2/common").version()
    except (OSError, xmlrpc.client.Error) as exc:
        return f"no Odoo answers on {os.environ['ODOO11_URL']}: {exc}"
    if not str(version.get("server_version", "")).startswith("11."):
        return f"{os.environ['ODOO11_URL']} runs Odoo {version.get('server_version')}, not 11"
    return None


@pytest.fixture(scope="session")
def real_odoo11() -> OdooConfig:
    problem = _real_odoo11_problem()
    required_service("odoo11", problem is None, problem or "")
    return real_odoo11_config()


@pytest.fixture(scope="session")
def sandboxes(tmp_path_factory):
    """sandboxes(version) → a running sandbox (url, port, database, login, password, api_key, set_faults, reset)."""
    try:
        from sandbox.odoo.testing import run_sandbox
    except ImportError as exc:
        pytest.skip(f"the Odoo sandbox is not built yet (sandbox.odoo.testing): {exc}")
    running: dict[int, object] = {}
    with contextlib.ExitStack() as stack:

        def get(version: int):
            if version not in running:
                data_dir = tmp_path_factory.mktemp(f"odoo-sandbox-{version}")
                running[version] = stack.enter_context(run_sandbox(version=version, data_dir=data_dir))
            return running[version]

        yield get
