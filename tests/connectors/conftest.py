import pytest

from tests.connectors.factories import webhook_connector


@pytest.fixture
def it_other(db):
    """A second integration admin (no connector granted unless a test grants one)."""
    from apps.access.services import user_ensure
    from tests.conftest import PASSWORD

    return user_ensure(
        reason="test fixture",
        username="itother",
        password=PASSWORD,
        role="integration_admin",
        email="itother@example.com",
    )


@pytest.fixture
def hooks(it_admin, entities):
    """(connector, active v1) — a generic webhook connector owned by it_admin."""
    connector, active, _ = webhook_connector(owner=it_admin, entities=[entities["FR"]])
    return connector, active
