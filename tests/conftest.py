"""Shared fixtures: the three legal entities and one user per role (plus an outsider with no role).

`required_service(name)` is how suites that need a real service skip cleanly on a developer machine but
fail in CI, where `.ci/run` sets REQUIRE_<NAME>=1.
"""

import os

import pytest

from tests.browser_fixtures import browser, login, page, screenshot  # noqa: F401  (one definition for all suites)
from tests.constants import PASSWORD
from tests.services import required_service  # noqa: F401  (re-exported for test modules)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_webhook_receivers():
    # The per-process caches of webhook connectors and secrets, and of active entities, are cleared by model
    # signals, which a rolled-back test never sends: every test starts without them.
    from apps.connectors.services.secrets import _webhook_cache
    from apps.entities import lookup

    _webhook_cache.clear()
    lookup.clear()


@pytest.fixture(autouse=True)
def _no_batch_linger(settings):
    # Tests run webhook tasks one at a time, with nothing arriving meanwhile: a linger would only add its quiet
    # period to each. tests/sync/test_coalesce.py turns it on where it is the subject; real qcluster workers
    # started by tests keep the default.
    settings.SYNC_BATCH_LINGER = 0


@pytest.fixture(autouse=True)
def _no_api_throttling(settings):
    # Throttle counters live in the cache and user ids repeat between tests: a busy minute of API tests would see
    # stray 429s. tests/api/test_throttling.py sets its own rates.
    settings.API_THROTTLE_RATES = {}


@pytest.fixture
def entities(db):
    from apps.entities.models import LegalEntity

    return {
        code: LegalEntity.objects.create(code=code, name=name, currency=currency, country=country, odoo_company_id=i)
        for i, (code, name, currency, country) in enumerate(
            [
                ("US", "Acme Inc.", "USD", "US"),
                ("FR", "Acme France SAS", "EUR", "FR"),
                ("DE", "Acme GmbH", "EUR", "DE"),
            ],
            start=1,
        )
    }


def _user(username, **kwargs):
    from apps.access.services import user_ensure
    from apps.ledger import receivers

    # Fixture users are setup, not the events under test: their grants stay out of the ledger so each test
    # sees only its own entries (tests/ledger/test_access_audit.py covers the recording of grants).
    receivers.disconnect()
    try:
        return user_ensure(username=username, password=PASSWORD, reason="test fixture", **kwargs)
    finally:
        receivers.connect()


@pytest.fixture
def controller(entities):
    """A finance controller of entity FR only."""
    return _user("controller", role="finance_controller", entities=[entities["FR"]])


@pytest.fixture
def controller_de(entities):
    """A finance controller of entity DE only (to prove FR data stays out of reach)."""
    return _user("controller_de", role="finance_controller", entities=[entities["DE"]])


@pytest.fixture
def it_admin(db):
    return _user("itadmin", role="integration_admin")


@pytest.fixture
def auditor(db):
    return _user("auditor", role="auditor")


@pytest.fixture
def outsider(db):
    """Logged in, but holds no role and no object permission."""
    return _user("outsider")


@pytest.fixture
def superuser(db):
    return _user("admin", superuser=True)


@pytest.fixture
def client_for(client):
    """client_for(user) → a test client logged in as that user (None → anonymous)."""

    def log_in(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return log_in


def pytest_report_header(config):
    return f"database: {os.environ.get('DATABASE_URL', 'sqlite (embedded)').split('@')[-1]}"


def pytest_collection_modifyitems(items):
    # Anything that drives Chromium is a browser test, wherever it lives.
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
