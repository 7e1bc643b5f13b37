"""Rotation: pending → tested → (approved) → active, the old secret retired with a grace period, revocation."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.access.permissions import AccessDenied
from apps.connectors.errors import ConnectorError
from apps.connectors.models import CredentialVersion
from apps.connectors.services import (
    connector_grant,
    credential_secret_for_use,
    credential_version_activate,
    credential_version_add,
    credential_version_approve,
    credential_version_revoke,
    credential_version_test,
    webhook_secrets_accepted,
)
from apps.ledger.models import LedgerEntry
from tests.connectors.factories import NEXT_SECRET, WEBHOOK_SECRET, webhook_connector


def _rotate(connector, actor, *, test=True):
    version = credential_version_add(
        connector=connector, kind="webhook_secret", secret=NEXT_SECRET, reason="quarterly rotation", actor=actor
    )
    if test:
        credential_version_test(version=version, reason="check before switching", actor=actor)
    return version


def test_first_secret_is_active_and_later_ones_wait_as_pending(it_admin, hooks):
    connector, active = hooks
    assert active.status == "active" and active.version == 1
    pending = _rotate(connector, it_admin, test=False)
    assert pending.status == "pending" and pending.version == 2
    assert credential_secret_for_use(connector) == WEBHOOK_SECRET


def test_rotation_keeps_old_secret_valid_during_grace(it_admin, hooks):
    connector, old = hooks
    new = _rotate(connector, it_admin)
    credential_version_activate(version=new, reason="switch", actor=it_admin)
    old.refresh_from_db()
    assert old.status == "retired" and old.grace_until > timezone.now() + dt.timedelta(hours=23)
    assert webhook_secrets_accepted(connector) == [NEXT_SECRET, WEBHOOK_SECRET]
    assert credential_secret_for_use(connector) == NEXT_SECRET


def test_old_secret_is_refused_once_the_grace_period_ends(it_admin, hooks):
    connector, old = hooks
    credential_version_activate(version=_rotate(connector, it_admin), reason="switch", actor=it_admin)
    CredentialVersion.objects.filter(pk=old.pk).update(grace_until=timezone.now() - dt.timedelta(seconds=1))
    assert webhook_secrets_accepted(connector) == [NEXT_SECRET]


def test_zero_grace_hours_retires_the_old_secret_at_once(it_admin, hooks):
    connector, _ = hooks
    credential_version_activate(version=_rotate(connector, it_admin), reason="leak", actor=it_admin, grace_hours=0)
    assert webhook_secrets_accepted(connector) == [NEXT_SECRET]


def test_activation_needs_a_passing_test(it_admin, hooks):
    connector, _ = hooks
    pending = _rotate(connector, it_admin, test=False)
    with pytest.raises(ConnectorError, match="Test this version"):
        credential_version_activate(version=pending, reason="switch", actor=it_admin)
    assert CredentialVersion.objects.get(pk=pending.pk).status == "pending"


@pytest.mark.parametrize("reason", ["", "   "])
def test_every_rotation_step_needs_a_reason(it_admin, hooks, reason):
    connector, _active = hooks
    with pytest.raises(ValidationError):
        credential_version_add(
            connector=connector, kind="webhook_secret", secret=NEXT_SECRET, reason=reason, actor=it_admin
        )
    pending = _rotate(connector, it_admin)
    for step in (credential_version_test, credential_version_activate, credential_version_revoke):
        with pytest.raises(ValidationError) as caught:
            step(version=pending, reason=reason, actor=it_admin)
        assert "reason" in caught.value.message_dict


def test_each_step_is_an_audit_entry_with_its_reason(it_admin, hooks):
    connector, old = hooks
    new = _rotate(connector, it_admin)
    credential_version_activate(version=new, reason="switch over", actor=it_admin)
    credential_version_revoke(version=old, reason="old one leaked", actor=it_admin)
    kinds = list(
        LedgerEntry.objects.filter(connector=connector.slug).order_by("sequence").values_list("kind", "reason")
    )
    assert kinds[-4:] == [
        ("credential.added", "quarterly rotation"),
        ("credential.tested", "check before switching"),
        ("credential.activated", "switch over"),
        ("credential.revoked", "old one leaked"),
    ]


def test_only_one_version_can_be_pending(it_admin, hooks):
    connector, _ = hooks
    _rotate(connector, it_admin, test=False)
    with pytest.raises(ConnectorError, match="already pending"):
        credential_version_add(
            connector=connector, kind="webhook_secret", secret="another-Secret-123456", reason="again", actor=it_admin
        )


def test_revoking_destroys_the_encrypted_secret_and_stops_acceptance(it_admin, hooks):
    connector, old = hooks
    credential_version_activate(version=_rotate(connector, it_admin), reason="switch", actor=it_admin)
    credential_version_revoke(version=old, reason="leaked", actor=it_admin)
    old.refresh_from_db()
    assert old.status == "revoked" and old.secret_token == "" and old.fingerprint
    assert webhook_secrets_accepted(connector) == [NEXT_SECRET]
    with pytest.raises(ConnectorError, match="already revoked"):
        credential_version_revoke(version=old, reason="again", actor=it_admin)


def test_revoking_the_active_secret_pauses_the_connector(it_admin, hooks):
    from apps.connectors.services import connector_is_paused

    connector, active = hooks
    assert not connector_is_paused(connector)
    credential_version_revoke(version=active, reason="compromised", actor=it_admin)
    assert connector_is_paused(connector)


def test_expiry_in_the_past_is_refused(it_admin, hooks):
    connector, _ = hooks
    with pytest.raises(ValidationError) as caught:
        credential_version_add(
            connector=connector,
            kind="webhook_secret",
            secret=NEXT_SECRET,
            reason="r",
            actor=it_admin,
            expires_at=timezone.now() - dt.timedelta(minutes=1),
        )
    assert "expires_at" in caught.value.message_dict
    assert CredentialVersion.objects.count() == 1


def test_a_kind_the_adapter_does_not_use_is_refused(it_admin, hooks):
    connector, _ = hooks
    with pytest.raises(ValidationError) as caught:
        credential_version_add(connector=connector, kind="oauth_client", secret=NEXT_SECRET, reason="r", actor=it_admin)
    assert "kind" in caught.value.message_dict


def test_it_user_without_a_grant_cannot_rotate(it_other, hooks):
    connector, active = hooks
    with pytest.raises(AccessDenied):
        credential_version_add(
            connector=connector, kind="webhook_secret", secret=NEXT_SECRET, reason="r", actor=it_other
        )
    with pytest.raises(AccessDenied):
        credential_version_revoke(version=active, reason="r", actor=it_other)


# --- four-eyes -----------------------------------------------------------------------------------------


@pytest.fixture
def four_eyes(it_admin, it_other):
    connector, _active, _ = webhook_connector(owner=it_admin, slug="guarded", four_eyes=True)
    connector_grant(connector=connector, user=it_other, actor=it_admin, reason="second pair of eyes")
    return connector


def test_four_eyes_activation_needs_a_second_it_user(it_admin, it_other, four_eyes):
    pending = _rotate(four_eyes, it_admin)
    with pytest.raises(ConnectorError, match="second IT user"):
        credential_version_activate(version=pending, reason="switch", actor=it_admin)
    with pytest.raises(ConnectorError, match="someone else must approve"):
        credential_version_approve(version=pending, reason="self-approval", actor=it_admin)
    credential_version_approve(version=pending, reason="checked the ticket", actor=it_other)
    activated = credential_version_activate(version=pending, reason="switch", actor=it_admin)
    assert activated.status == "active" and activated.approved_by == it_other


def test_approval_needs_a_passing_test_first(it_admin, it_other, four_eyes):
    pending = _rotate(four_eyes, it_admin, test=False)
    with pytest.raises(ConnectorError, match="Test this version"):
        credential_version_approve(version=pending, reason="ok", actor=it_other)
