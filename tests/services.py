"""Skip-or-fail for suites that need a real service (PostgreSQL, Redis, real Odoo 11, Chromium)."""

import os

import pytest


def required_service(name: str, available: bool, why: str) -> None:
    """Skip when the service is missing on a developer machine; fail when CI said it is required."""
    if available:
        return
    if os.environ.get(f"REQUIRE_{name.upper()}") == "1":
        pytest.fail(f"{name} is required here (REQUIRE_{name.upper()}=1) but not available: {why}")
    pytest.skip(f"{name} not available: {why} (set REQUIRE_{name.upper()}=1 to make this a failure)")
