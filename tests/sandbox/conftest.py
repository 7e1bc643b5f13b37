"""Sandboxes for the sandbox's own tests: one subprocess per version, started on first use, shared by the session.

Tests create their own records (ids are never assumed beyond the documented seed) and undo global changes
(lock dates, fault plans) in `finally` blocks or through the `clean` fixtures.
"""

import contextlib

import pytest

from sandbox.odoo.testing import run_sandbox
from tests.sandbox.helpers import Rpc

VERSIONS = (11, 16, 17, 18, 19)


@pytest.fixture(scope="session")
def sandbox_for(tmp_path_factory):
    running = {}
    with contextlib.ExitStack() as stack:

        def get(version: int):
            if version not in running:
                data_dir = tmp_path_factory.mktemp(f"sandbox-{version}")
                running[version] = stack.enter_context(run_sandbox(version=version, data_dir=data_dir))
            return running[version]

        yield get


@pytest.fixture(params=VERSIONS, ids=lambda v: f"v{v}")
def version(request):
    return request.param


@pytest.fixture
def sb(sandbox_for, version):
    """The sandbox of the parametrized version, with no fault plan active before and after the test."""
    handle = sandbox_for(version)
    handle.clear_faults()
    yield handle
    handle.clear_faults()


@pytest.fixture
def rpc(sb):
    """XML-RPC as the admin of the parametrized version."""
    return Rpc(sb)
