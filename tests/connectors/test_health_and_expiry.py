"""Health: connection tests recorded in the ledger, authentication failures pause flows, expiry warnings."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from apps.connectors.dependants import Dependant, register_dependants, unregister_dependants
from apps.connectors.models import CredentialVersion
from apps.connectors.selectors import credential_overview
from apps.connectors.services import (
    connector_is_paused,
    connector_mark_auth_failed,
    connector_pause_reason,
    connector_test,
    credential_secret_for_use,
    credentials_check_expiry,
)
from apps.connectors.tasks import credentials_check_expiry_task
from apps.ledger.models import LedgerEntry


def test_connection_test_stores_health_and_writes_an_outbound_ledger_entry(it_admin, hooks):
    connector, active = hooks
    report = connector_test(connector=connector, actor=it_admin, reason="smoke")
    connector.refresh_from_db()
    assert report["ok"] and connector.health_ok and connector.health_checked_at
    entry = LedgerEntry.objects.get(kind="connector.tested")
    assert entry.direction == "outbound" and entry.outcome == "ok" and entry.connector == connector.slug
    assert active.fingerprint in entry.payload_row.body


def test_connection_test_needs_the_test_permission(auditor, it_other, hooks):
    from apps.access.permissions import AccessDenied

    for user in (auditor, it_other):
        with pytest.raises(AccessDenied):
            connector_test(connector=hooks[0], actor=user)


def test_auth_failure_marks_the_connector_unhealthy_and_pauses_its_flows(hooks):
    connector, _ = hooks
    connector_mark_auth_failed(connector=connector, message="Access denied")
    connector.refresh_from_db()
    assert connector.health_state == "paused" and connector_is_paused(connector)
    assert "refused the credential" in connector_pause_reason(connector)
    assert LedgerEntry.objects.filter(kind="connector.auth_failed", outcome="failed").exists()


def test_auth_failure_opens_one_worklist_item_for_the_owner(it_admin, hooks):
    pytest.importorskip("apps.worklist.services", reason="worklist app not built yet")
    from apps.worklist.models import WorklistItem

    connector, _ = hooks
    connector_mark_auth_failed(connector=connector, message="Access denied")
    connector_mark_auth_failed(connector=connector, message="Access denied again")
    item = WorklistItem.objects.get(category="auth_failure", subject_key=f"connector:{connector.slug}")
    assert item.assignee == it_admin and item.attempts == 2


def test_a_passing_connection_test_lifts_the_pause(it_admin, hooks):
    connector, _ = hooks
    connector_mark_auth_failed(connector=connector, message="Access denied")
    connector_test(connector=connector, actor=it_admin)
    connector.refresh_from_db()
    assert not connector_is_paused(connector) and connector.health_state == "ok"


def test_disabled_connectors_and_connectors_without_secret_are_paused(it_admin, hooks):
    from apps.connectors.services import connector_update

    connector, _ = hooks
    connector_update(connector=connector, actor=it_admin, data={"enabled": False})
    assert connector_pause_reason(connector) == "The connector is disabled."


def test_using_a_secret_records_last_use(hooks):
    connector, active = hooks
    assert active.last_used_at is None
    credential_secret_for_use(connector)
    active.refresh_from_db()
    assert active.last_used_at is not None


@pytest.fixture
def expiring(hooks, it_admin):
    it_admin.email = "itadmin@example.com"
    it_admin.save()
    connector, active = hooks
    CredentialVersion.objects.filter(pk=active.pk).update(expires_at=timezone.now() + dt.timedelta(days=10))
    return connector, active


def test_expiry_check_emails_the_owner_once(expiring):
    assert credentials_check_expiry_task() == {"expiring": 1, "emailed": 1}
    assert credentials_check_expiry() == {"expiring": 1, "emailed": 0}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["itadmin@example.com"]
    assert "expires on" in mail.outbox[0].subject


def test_expiry_check_opens_a_credential_expiring_worklist_item(expiring):
    pytest.importorskip("apps.worklist.services", reason="worklist app not built yet")
    from apps.worklist.models import WorklistItem

    credentials_check_expiry()
    credentials_check_expiry()
    item = WorklistItem.objects.get(category="credential_expiring")
    assert item.connector == expiring[0].slug
    assert "in 9 days" in item.message or "in 10 days" in item.message


def test_expiry_check_ignores_credentials_expiring_later(hooks):
    _connector, active = hooks
    CredentialVersion.objects.filter(pk=active.pk).update(expires_at=timezone.now() + dt.timedelta(days=30))
    assert credentials_check_expiry() == {"expiring": 0, "emailed": 0}


def test_credential_page_data_has_countdown_last_use_and_registered_dependants(expiring):
    connector, active = expiring

    def flows(c):
        return [Dependant(kind="flow", label="FR expense reports", detail="every 15 min")] if c == connector else []

    register_dependants(flows)
    try:
        overview = credential_overview(active.credential)
    finally:
        unregister_dependants(flows)
    assert overview["days_left"] in (9, 10) and overview["expiring_soon"]
    assert overview["dependants"] == [Dependant(kind="flow", label="FR expense reports", detail="every 15 min")]


def test_a_failing_dependants_provider_does_not_break_the_page(hooks):
    def broken(connector):
        raise RuntimeError("bug elsewhere")

    register_dependants(broken)
    try:
        assert credential_overview(hooks[1].credential)["dependants"] == []
    finally:
        unregister_dependants(broken)


def test_expiry_schedule_migration_installs_one_daily_schedule(db):
    # Runs the data migration's function (a transactional test elsewhere may have flushed the migrated row).
    import importlib

    from django.apps import apps
    from django_q.models import Schedule

    migration = importlib.import_module("apps.connectors.migrations.0003_expiry_schedule")
    Schedule.objects.filter(func=migration.FUNC).delete()
    migration.add_schedule(apps, None)
    migration.add_schedule(apps, None)
    assert (
        Schedule.objects.filter(func="apps.connectors.tasks.credentials_check_expiry_task", schedule_type="D").count()
        == 1
    )
