"""Personal API tokens: shown once, stored hashed, Bearer authentication, read-only, expiry and revocation."""

import hashlib
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.access.models import ApiToken
from apps.access.tokens import api_token_create

LEDGER = "/api/v1/ledger/entries/"
TOKENS = "/api/v1/access/tokens/"


def bearer(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_token_is_shown_once_and_stored_only_as_its_sha256_digest(client_for, controller):
    client = client_for(controller)
    created = client.post(reverse("access:token_create"), {"name": "export script", "expires_in_days": 30})
    assert created.status_code == 201 and created["Cache-Control"].startswith("max-age=0")
    secret = created.context["issued"].secret
    assert secret.startswith("ic_") and secret in created.content.decode()
    token = ApiToken.objects.get()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.values().get())
    listing = client.get(reverse("access:token_list"))
    assert token.prefix in listing.content.decode() and secret not in listing.content.decode()


def test_the_api_returns_the_token_in_the_creation_answer_only(client_for, controller):
    client = client_for(controller)
    created = client.post(TOKENS, {"name": "ci", "read_only": True}, content_type="application/json")
    assert created.status_code == 201 and created["Cache-Control"] == "no-store"
    body = created.json()
    assert body["token"].startswith(f"ic_{body['prefix']}_") and body["read_only"] is True
    assert body["status"] == "active"
    assert "token" not in client.get(f"{TOKENS}{body['id']}/").json()
    assert body["token"] not in client.get(TOKENS).content.decode()


def test_a_token_authenticates_api_requests_as_its_owner_and_records_last_use(controller):
    issued = api_token_create(actor=controller, name="script")
    response = bearer(issued.secret).get(LEDGER)
    assert response.status_code == 200
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_read_only_token_cannot_post(controller):
    issued = api_token_create(actor=controller, name="reader", read_only=True)
    client = bearer(issued.secret)
    assert client.get(TOKENS).status_code == 200
    refused = client.post(f"{TOKENS}{issued.token.pk}/revoke/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "read_only_token"
    assert "read-only" in refused.json()["error"]["message"]
    assert ApiToken.objects.get().revoked_at is None


def test_expired_token_is_refused_with_401(controller):
    issued = api_token_create(actor=controller, name="old")
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = bearer(issued.secret).get(LEDGER)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert "expired" in response.json()["error"]["message"]


def test_revoked_token_is_refused_with_401(client_for, controller):
    issued = api_token_create(actor=controller, name="leaked")
    client_for(controller).post(reverse("access:token_revoke", kwargs={"pk": issued.token.pk}))
    response = bearer(issued.secret).get(LEDGER)
    assert response.status_code == 401 and "revoked" in response.json()["error"]["message"]


@pytest.mark.parametrize("header", ["Bearer ic_00000000_" + "x" * 43, "Bearer nonsense", "Bearer a b", "Bearer é"])
def test_unknown_or_malformed_tokens_are_401_with_a_bearer_challenge(db, header):
    response = Client(HTTP_AUTHORIZATION=header).get(LEDGER)
    assert response.status_code == 401 and response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_tampered_token_with_a_real_prefix_is_refused(controller):
    issued = api_token_create(actor=controller, name="script")
    tampered = issued.secret[:-4] + ("AAAA" if not issued.secret.endswith("AAAA") else "BBBB")
    assert bearer(tampered).get(LEDGER).status_code == 401


def test_token_of_a_disabled_account_is_refused(controller):
    issued = api_token_create(actor=controller, name="script")
    controller.is_active = False
    controller.save()
    assert bearer(issued.secret).get(LEDGER).status_code == 401


def test_a_token_carries_exactly_its_owners_permissions(auditor):
    issued = api_token_create(actor=auditor, name="audit script")
    client = bearer(issued.secret)
    assert client.get(LEDGER).status_code == 200
    assert client.post("/api/v1/worklist/bulk/", {"kind": "assign"}).status_code == 403


def test_a_token_cannot_create_more_tokens(controller):
    issued = api_token_create(actor=controller, name="script")
    response = bearer(issued.secret).post(TOKENS, {"name": "child"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "session_required"
    assert ApiToken.objects.count() == 1


def test_nobody_sees_or_revokes_another_users_token(client_for, controller, it_admin):
    issued = api_token_create(actor=controller, name="mine")
    client = client_for(it_admin)
    assert client.get(f"{TOKENS}{issued.token.pk}/").status_code == 404
    assert client.post(f"{TOKENS}{issued.token.pk}/revoke/").status_code == 404
    assert client.post(reverse("access:token_revoke", kwargs={"pk": issued.token.pk})).status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_invalid_token_requests_give_field_errors_and_create_nothing(client_for, controller):
    client = client_for(controller)
    response = client.post(TOKENS, {"name": "", "expires_in_days": 9999}, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"name", "expires_in_days"}
    page = client.post(reverse("access:token_create"), {"name": "x" * 101, "expires_in_days": "soon"})
    assert page.status_code == 400 and not ApiToken.objects.exists()


def test_an_outsider_without_a_role_holds_no_tokens(client_for, outsider):
    assert client_for(outsider).post(TOKENS, {"name": "x"}, content_type="application/json").status_code == 403
    assert client_for(outsider).get(reverse("access:token_list")).status_code == 403


def test_token_list_filters_and_orders_with_validated_parameters(client_for, controller):
    api_token_create(actor=controller, name="alpha", read_only=True)
    api_token_create(actor=controller, name="beta")
    client = client_for(controller)
    names = [t["name"] for t in client.get(TOKENS, {"read_only": "true"}).json()["results"]]
    assert names == ["alpha"]
    assert [t["name"] for t in client.get(TOKENS, {"ordering": "created"}).json()["results"]] == ["alpha", "beta"]
    bad = client.get(TOKENS, {"ordering": "token_hash"})
    assert bad.status_code == 400 and "ordering" in bad.json()["error"]["fields"]
    assert client.get(TOKENS, {"read_only": "maybe"}).status_code == 400
    assert client.get(TOKENS, {"name": "x" * 500}).status_code == 400


def test_creation_and_revocation_are_recorded_in_the_ledger_without_the_token(client_for, controller):
    from apps.ledger.export import entry_payload_text
    from apps.ledger.models import LedgerEntry

    client = client_for(controller)
    created = client.post("/api/v1/access/tokens/", {"name": "export script"}, "application/json").json()
    client.post(f"/api/v1/access/tokens/{created['id']}/revoke/")
    client.post(f"/api/v1/access/tokens/{created['id']}/revoke/")  # idempotent: recorded once
    entries = list(LedgerEntry.objects.filter(kind__startswith="access.api_token_").order_by("sequence"))
    assert [(e.kind, e.direction, e.actor_name, e.target_id) for e in entries] == [
        ("access.api_token_created", "audit", "controller", str(controller.pk)),
        ("access.api_token_revoked", "audit", "controller", str(controller.pk)),
    ]
    payloads = " ".join(entry_payload_text(e) for e in entries)
    assert created["prefix"] in payloads and created["token"] not in payloads and created["token"][12:] not in payloads


def test_the_admin_revocation_is_recorded_with_the_superuser_as_actor(client_for, controller, superuser):
    from apps.ledger.models import LedgerEntry

    token = api_token_create(actor=controller, name="old script").token
    client = client_for(superuser)
    client.post("/admin/access/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, HTTP_HOST="localhost")
    token.refresh_from_db()
    assert token.revoked_at is not None
    entry = LedgerEntry.objects.get(kind="access.api_token_revoked")
    assert entry.actor_name == "admin" and entry.target_id == str(controller.pk)
