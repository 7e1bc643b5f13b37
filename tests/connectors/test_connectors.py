"""Registering and changing connectors: validation, ownership, audit, and who may see what."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.access.permissions import AccessDenied, can
from apps.connectors.models import Connector, Credential, CredentialVersion
from apps.connectors.services import connector_create, connector_grant, connector_update
from apps.ledger.models import LedgerEntry

ODOO = {
    "name": "Odoo prod",
    "slug": "odoo-prod",
    "kind": "odoo",
    "adapter": "odoo",
    "base_url": "https://erp.example.com",
    "database": "prod",
    "protocol": "xmlrpcs",
    "options": {"login": "integration"},
}


def _nothing_written(before_ledger: int) -> bool:
    return (
        not Connector.objects.exists()
        and not Credential.objects.exists()
        and not CredentialVersion.objects.exists()
        and LedgerEntry.objects.count() == before_ledger
    )


def test_creator_becomes_owner_with_object_permissions_and_an_audit_entry(it_admin, entities):
    connector = connector_create(actor=it_admin, data=ODOO, entities=[entities["FR"]], reason="go-live")
    assert connector.owner == it_admin
    for perm in ("view_connector", "change_connector", "test_connector", "rotate_credential"):
        assert it_admin.has_perm(f"connectors.{perm}", connector)
    entry = LedgerEntry.objects.get(kind="connector.created")
    assert entry.direction == "audit" and entry.connector == "odoo-prod" and entry.actor_name == "itadmin"
    assert entry.payload_row.body.count("erp.example.com") == 1


def test_odoo_protocol_defaults_to_xmlrpc(it_admin):
    connector = connector_create(actor=it_admin, data={**ODOO, "protocol": ""})
    assert connector.protocol == "xmlrpc" and connector.options == {"login": "integration", "timeout": 30.0}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"base_url": "not a url"}, "base_url"),
        ({"base_url": "ftp://erp.example.com"}, "base_url"),
        ({"base_url": "https://admin:admin@erp.example.com"}, "base_url"),
        ({"base_url": ""}, "base_url"),
        ({"adapter": "sap_r3"}, "adapter"),
        ({"adapter": "expensify"}, "adapter"),  # serves expense platforms, not odoo
        ({"options": {"login": "x", "password": "admin"}}, "options"),
        ({"options": {"colour": "red"}}, "options"),
        ({"options": "[1,2]"}, "options"),
        ({"protocol": "carrier-pigeon"}, "protocol"),
        ({"database": ""}, "database"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"slug": "new"}, "slug"),
        ({"name": ""}, "name"),
        ({"kind": "crm"}, "kind"),
        ({"rate_limit_per_second": -1}, "rate_limit_per_second"),
        ({"rotation_grace_hours": 10_000}, "rotation_grace_hours"),
    ],
)
def test_bad_connector_input_names_the_field_and_writes_nothing(it_admin, change, field):
    before = LedgerEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        connector_create(actor=it_admin, data={**ODOO, **change})
    assert field in caught.value.message_dict
    assert _nothing_written(before)


@pytest.mark.parametrize(
    ("secret", "expires_at", "field"),
    [
        ("", None, "initial_secret"),
        ("   ", None, "initial_secret"),
        ("x" * 5000, None, "initial_secret"),
        ("good-secret", timezone.now() - dt.timedelta(days=1), "initial_secret_expires_at"),
    ],
)
def test_bad_initial_secret_writes_no_connector(it_admin, secret, expires_at, field):
    before = LedgerEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        connector_create(actor=it_admin, data=ODOO, initial_secret=secret or " ", initial_secret_expires_at=expires_at)
    assert field in caught.value.message_dict
    assert _nothing_written(before)


def test_only_integration_admins_register_connectors(controller, auditor):
    for user in (controller, auditor):
        with pytest.raises(AccessDenied):
            connector_create(actor=user, data=ODOO)
    assert not Connector.objects.exists()


def test_update_records_the_field_level_diff_and_keeps_the_slug(it_admin):
    connector = connector_create(actor=it_admin, data=ODOO)
    connector_update(connector=connector, actor=it_admin, data={"database": "prod2", "slug": "other"}, reason="move")
    connector.refresh_from_db()
    assert connector.database == "prod2" and connector.slug == "odoo-prod"
    entry = LedgerEntry.objects.get(kind="connector.changed")
    assert '"database":["prod","prod2"]' in entry.payload_row.body.replace(" ", "")
    assert entry.reason == "move"


def test_it_user_without_a_grant_cannot_change_a_connector(it_admin, it_other):
    connector = connector_create(actor=it_admin, data=ODOO)
    with pytest.raises(AccessDenied):
        connector_update(connector=connector, actor=it_other, data={"database": "x"})


def test_grant_gives_a_second_it_user_the_owner_permissions_with_a_reason(it_admin, it_other, controller):
    connector = connector_create(actor=it_admin, data=ODOO)
    with pytest.raises(ValidationError) as caught:
        connector_grant(connector=connector, user=it_other, actor=it_admin, reason="")
    assert "reason" in caught.value.message_dict
    with pytest.raises(ValidationError):
        connector_grant(connector=connector, user=controller, actor=it_admin, reason="backup")
    connector_grant(connector=connector, user=it_other, actor=it_admin, reason="four-eyes partner")
    assert can(it_other, "connectors.change_connector", connector)
    assert LedgerEntry.objects.filter(kind="connector.access_granted", reason="four-eyes partner").exists()


# --- pages ---------------------------------------------------------------------------------------------


def test_it_user_without_permission_gets_404_on_pages_and_api(client_for, it_admin, it_other):
    connector = connector_create(actor=it_admin, data=ODOO, initial_secret="odoo-Password-123456")
    client = client_for(it_other)
    assert connector.name not in client.get(reverse("connectors:index")).content.decode()
    for name in ("connectors:detail", "connectors:edit", "connectors:credential_add"):
        assert client.get(reverse(name, kwargs={"slug": connector.slug})).status_code == 404
    for name in ("connectors:edit", "connectors:test", "connectors:grant"):
        assert client.post(reverse(name, kwargs={"slug": connector.slug}), {"name": "hijack"}).status_code == 404
    credential = Credential.objects.get(connector=connector)
    assert client.get(reverse("connectors:credential", kwargs={"pk": credential.pk})).status_code == 404
    api = reverse("connectors-api:connector-detail", kwargs={"slug": connector.slug})
    assert client.get(api).status_code == 404
    assert client.patch(api, {"name": "hijack"}, content_type="application/json").status_code == 404
    assert client.get(reverse("connectors-api:connector-list")).json()["results"] == []
    connector.refresh_from_db()
    assert connector.name == "Odoo prod"


def test_finance_user_sees_name_and_health_but_no_configuration(client_for, it_admin, controller):
    connector = connector_create(actor=it_admin, data=ODOO)
    client = client_for(controller)
    page = client.get(reverse("connectors:detail", kwargs={"slug": connector.slug})).content.decode()
    assert "Odoo prod" in page and "Not tested" in page
    assert "erp.example.com" not in page and "integration" not in page
    body = client.get(reverse("connectors-api:connector-detail", kwargs={"slug": connector.slug})).json()
    assert body["name"] == "Odoo prod" and "base_url" not in body and "options" not in body
    assert client.get(reverse("connectors:edit", kwargs={"slug": connector.slug})).status_code == 403


def test_auditor_reads_configuration_but_cannot_change_or_test(client_for, it_admin, auditor):
    connector = connector_create(actor=it_admin, data=ODOO)
    client = client_for(auditor)
    page = client.get(reverse("connectors:detail", kwargs={"slug": connector.slug})).content.decode()
    assert "erp.example.com" in page and "Run connection test" not in page
    assert client.post(reverse("connectors:test", kwargs={"slug": connector.slug})).status_code == 403
    response = client.patch(
        reverse("connectors-api:connector-detail", kwargs={"slug": connector.slug}),
        {"database": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_create_page_shows_field_errors_and_saves_nothing(client_for, it_admin):
    data = {
        **ODOO,
        "base_url": "nope",
        "options": '{"login": "x", "password": "hunter2-Secret"}',
        "rate_limit_per_second": "0",
        "rotation_grace_hours": "24",
        "initial_secret": "Top-Secret-Value-42",
    }
    response = client_for(it_admin).post(reverse("connectors:create"), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter a valid URL" in page and "store it as a credential" in page
    assert "Top-Secret-Value-42" not in page and "hunter2-Secret" not in page
    assert not Connector.objects.exists()


def test_create_page_registers_a_connector_with_its_first_secret(client_for, it_admin, entities):
    data = {
        **ODOO,
        "options": '{"login": "integration"}',
        "rate_limit_per_second": "2",
        "rotation_grace_hours": "24",
        "entities": [entities["FR"].pk],
        "enabled": "on",
        "initial_secret": "Top-Secret-Value-42",
    }
    response = client_for(it_admin).post(reverse("connectors:create"), data)
    assert response.status_code == 302
    version = CredentialVersion.objects.get(credential__connector__slug="odoo-prod")
    assert version.status == "active" and version.credential.kind == "password"
    assert list(Connector.objects.get().entities.all()) == [entities["FR"]]


def test_turning_four_eyes_off_needs_a_reason(it_admin):
    connector = connector_create(actor=it_admin, data={**ODOO, "four_eyes_rotation": True})
    with pytest.raises(ValidationError) as caught:
        connector_update(connector=connector, actor=it_admin, data={"four_eyes_rotation": False})
    assert "reason" in caught.value.message_dict
    connector_update(connector=connector, actor=it_admin, data={"four_eyes_rotation": False}, reason="team of one")
    assert LedgerEntry.objects.get(kind="connector.changed").reason == "team of one"
