"""The per-process cache of webhook connectors and secrets never accepts what the database no longer accepts:
at once in this process, within the TTL from another process, and grace periods end to the second."""

import datetime as dt
import time
import types

import pytest
from django.test import Client
from django.urls import include, path
from django.utils import timezone

from apps.connectors.models import CredentialVersion
from apps.connectors.services import (
    credential_version_activate,
    credential_version_add,
    credential_version_revoke,
    credential_version_test,
)
from apps.connectors.services import secrets as secrets_module
from apps.ledger.models import LedgerEntry
from apps.sync.models import WebhookDelivery
from integration_console import process_cache
from tests.sync import helpers

urlpatterns = [path("hooks/", include("apps.sync.hook_urls"))]
pytestmark = [pytest.mark.urls("tests.sync.test_webhook_cache"), pytest.mark.django_db]
URL = "/hooks/platform/"
NEW_SECRET = "whsec_" + "bmV3LXNlY3JldC1mb3Itd2ViaG9vay1jYWNoZS10ZXN0cw=="


@pytest.fixture(autouse=True)
def _empty_cache():
    secrets_module._webhook_cache.clear()  # a rolled-back test fires no signal
    yield
    secrets_module._webhook_cache.clear()


@pytest.fixture
def rotated(entities, it_admin):
    """A connector whose old secret is retired in grace and whose new secret is active."""
    connector = helpers.webhook_connector(it_admin, entities=list(entities.values()))
    old = CredentialVersion.objects.get(credential__connector=connector, status="active")
    new = credential_version_add(connector=connector, kind="webhook_secret", secret=NEW_SECRET, reason="rotate",
                                 actor=it_admin)  # fmt: skip
    credential_version_test(version=new, reason="check", actor=it_admin)
    credential_version_activate(version=new, reason="switch", actor=it_admin)
    old.refresh_from_db()
    assert old.status == "retired" and old.grace_until > timezone.now()
    return connector, old


def post(source_id, secret):
    body, headers = helpers.signed(helpers.report(source_id), secret=secret)
    return Client().post(URL, data=body, content_type="application/json", **headers).status_code


def test_both_secrets_are_accepted_in_grace_and_the_cache_answers_without_a_query(
    rotated, django_assert_max_num_queries
):
    assert post("R-1", helpers.WEBHOOK_SECRET) == 202 and post("R-2", NEW_SECRET) == 202
    connector, _ = rotated
    with django_assert_max_num_queries(0):
        assert secrets_module.webhook_receiver("platform")[0].pk == connector.pk


def test_a_revoked_secret_is_refused_right_after_revocation_in_the_same_process(rotated, it_admin):
    _, old = rotated
    assert post("R-1", helpers.WEBHOOK_SECRET) == 202  # the cache now holds both secrets
    credential_version_revoke(version=old, reason="leaked", actor=it_admin)
    assert post("R-2", helpers.WEBHOOK_SECRET) == 401
    assert post("R-3", NEW_SECRET) == 202


def test_a_revocation_by_another_process_is_honoured_once_the_ttl_has_passed(rotated, monkeypatch):
    _, old = rotated
    assert secrets_module._WebhookCache.TTL <= 5
    assert post("R-1", helpers.WEBHOOK_SECRET) == 202
    # A queryset update sends no signal: to this process it is exactly a revocation committed by another one.
    CredentialVersion.objects.filter(pk=old.pk).update(status="revoked", secret_token="", grace_until=None)
    later = time.monotonic() + secrets_module._WebhookCache.TTL + 0.01
    monkeypatch.setattr(process_cache.time, "monotonic", lambda: later)
    assert post("R-2", helpers.WEBHOOK_SECRET) == 401
    assert post("R-3", NEW_SECRET) == 202


def test_a_grace_period_ends_to_the_second_even_inside_a_fresh_cache_entry(rotated, monkeypatch):
    _, old = rotated
    assert post("R-1", helpers.WEBHOOK_SECRET) == 202
    after_grace = old.grace_until + dt.timedelta(seconds=1)
    monkeypatch.setattr(secrets_module, "timezone", types.SimpleNamespace(now=lambda: after_grace))
    assert post("R-2", helpers.WEBHOOK_SECRET) == 401
    assert post("R-3", NEW_SECRET) == 202


def test_a_disabled_connector_answers_404_at_once(rotated):
    connector, _ = rotated
    assert post("R-1", NEW_SECRET) == 202
    connector.enabled = False
    connector.save(update_fields=["enabled"])
    assert post("R-2", NEW_SECRET) == 404


def test_a_load_that_raced_an_invalidation_is_not_kept(rotated, monkeypatch):
    """A request that read the database before another's revocation committed must not cache what it read."""
    real_secrets = secrets_module._webhook_secrets

    def read_then_invalidated(connector, now):
        result = real_secrets(connector, now)
        secrets_module._webhook_cache.clear()  # what a revocation's commit does meanwhile
        return result

    monkeypatch.setattr(secrets_module, "_webhook_secrets", read_then_invalidated)
    secrets_module.webhook_receiver("platform")
    assert "platform" not in secrets_module._webhook_cache._entries


def test_a_repeated_webhook_id_answers_200_and_writes_nothing(rotated):
    body, headers = helpers.signed(helpers.report("R-1"), secret=NEW_SECRET, msg_id="msg_once")
    assert Client().post(URL, data=body, content_type="application/json", **headers).status_code == 202
    counts = (WebhookDelivery.objects.count(), LedgerEntry.objects.count())
    answer = Client().post(URL, data=body, content_type="application/json", **headers)
    assert answer.status_code == 200 and answer.json() == {"status": "duplicate", "webhook_id": "msg_once"}
    assert (WebhookDelivery.objects.count(), LedgerEntry.objects.count()) == counts
