"""/api/v1/connectors/: the secret goes in once and never comes back; errors are field errors."""

from django.urls import reverse

from apps.connectors.models import Connector, CredentialVersion

SECRET = "Api-Secret-0f1e2d3c4b5a69788"
ROTATED = "Api-Rotated-Secret-a1b2c3d4e5"
HOOKS = {
    "name": "Hooks",
    "slug": "hooks",
    "kind": "expense_platform",
    "adapter": "generic_webhook",
    "initial_secret": SECRET,
    "reason": "new platform",
}


def _post(client, name, data, **kwargs):
    return client.post(reverse(f"connectors-api:{name}", kwargs=kwargs), data, content_type="application/json")


def test_create_accepts_the_secret_once_and_returns_only_metadata(client_for, it_admin):
    client = client_for(it_admin)
    response = _post(client, "connector-list", HOOKS)
    assert response.status_code == 201 and SECRET not in response.content.decode()
    assert response.json()["adapter"] == "generic_webhook"
    versions = client.get(reverse("connectors-api:credential-list", kwargs={"slug": "hooks"})).json()["results"]
    assert [(v["kind"], v["version"], v["status"]) for v in versions] == [("webhook_secret", 1, "active")]
    assert versions[0]["fingerprint"].startswith("…9788")
    assert "secret" not in versions[0] and "secret_token" not in versions[0]


def test_rotation_through_the_api(client_for, it_admin):
    client = client_for(it_admin)
    _post(client, "connector-list", HOOKS)
    added = _post(
        client, "credential-list", {"kind": "webhook_secret", "secret": ROTATED, "reason": "rotate"}, slug="hooks"
    )
    assert added.status_code == 201 and added.json()["status"] == "pending" and ROTATED not in added.content.decode()
    pk = added.json()["id"]
    tested = _post(client, "version-test", {"reason": "check"}, pk=pk)
    assert tested.json()["report"]["ok"] is True and tested.json()["version"]["test_ok"] is True
    activated = _post(client, "version-activate", {"reason": "switch"}, pk=pk)
    assert activated.json()["status"] == "active"
    assert CredentialVersion.objects.get(version=1).status == "retired"


def test_bad_input_gives_field_errors_and_saves_nothing(client_for, it_admin):
    client = client_for(it_admin)
    bad = {**HOOKS, "adapter": "nope", "base_url": "ftp://x", "initial_secret": "x" * 5000}
    response = _post(client, "connector-list", bad)
    assert response.status_code == 400 and "adapter" in response.json()["errors"]
    assert not Connector.objects.exists()
    _post(client, "connector-list", HOOKS)
    empty = _post(client, "credential-list", {"kind": "webhook_secret", "secret": "", "reason": "r"}, slug="hooks")
    assert empty.status_code == 400 and "secret" in empty.json()["errors"]
    missing_reason = _post(client, "credential-list", {"kind": "webhook_secret", "secret": ROTATED}, slug="hooks")
    assert missing_reason.status_code == 400 and "reason" in missing_reason.json()["errors"]
    assert CredentialVersion.objects.count() == 1


def test_a_step_not_allowed_now_is_a_conflict_with_a_message(client_for, it_admin):
    client = client_for(it_admin)
    _post(client, "connector-list", HOOKS)
    pk = _post(client, "credential-list", {"kind": "webhook_secret", "secret": ROTATED, "reason": "r"}, slug="hooks")
    response = _post(client, "version-activate", {"reason": "too early"}, pk=pk.json()["id"])
    assert response.status_code == 409 and "Test this version" in response.json()["detail"]


def test_finance_users_list_names_and_health_only(client_for, it_admin, controller):
    _post(client_for(it_admin), "connector-list", HOOKS)
    rows = client_for(controller).get(reverse("connectors-api:connector-list")).json()["results"]
    assert [r["slug"] for r in rows] == ["hooks"]
    assert set(rows[0]) == {
        "name",
        "slug",
        "kind",
        "enabled",
        "health",
        "health_checked_at",
        "health_ok",
        "health_latency_ms",
        "health_server_version",
        "health_message",
    }
    denied = client_for(controller).get(reverse("connectors-api:credential-list", kwargs={"slug": "hooks"}))
    assert denied.status_code == 403


def test_connection_test_through_the_api_is_recorded(client_for, it_admin):
    from apps.ledger.models import LedgerEntry

    client = client_for(it_admin)
    _post(client, "connector-list", HOOKS)
    response = _post(client, "connector-test", {}, slug="hooks")
    assert response.status_code == 200 and response.json()["ok"] is True
    assert LedgerEntry.objects.filter(kind="connector.tested", reason="Connection test through the API").exists()
