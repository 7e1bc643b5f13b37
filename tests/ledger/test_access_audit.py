"""Role and permission grants are audited with actor, field-level diff and a mandatory reason — from the services,
the admin and the shell alike; a change without a reason is refused and leaves nothing behind."""

import getpass
import sys

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from guardian.shortcuts import assign_perm, get_perms

from apps.access.permissions import ENTITY_SCOPE_PERM, grant, revoke
from apps.access.services import user_ensure
from apps.access.signals import AccessReasonRequired, access_change
from apps.ledger.models import LedgerEntry
from apps.ledger.verification import verify_chain

pytestmark = pytest.mark.django_db
User = get_user_model()


def audit_entries(kind_prefix="access."):
    return list(LedgerEntry.objects.filter(direction="audit", kind__startswith=kind_prefix).order_by("sequence"))


def payload(entry):
    import json

    return json.loads(entry.payload_row.body)


def test_service_grant_of_a_role_and_entity_scope_is_recorded_with_reason_and_diff(entities, superuser):
    user = user_ensure(
        username="newauditor", password="x" * 12, role="finance_controller", entities=[entities["FR"]],
        reason="Ticket 42: joins FR close team", actor=superuser,
    )  # fmt: skip
    role, scope = audit_entries()
    assert (role.kind, role.reason, role.actor_name, role.actor_type) == (
        "access.role_granted", "Ticket 42: joins FR close team", "admin", "user")  # fmt: skip
    assert payload(role)["changes"] == {"groups": [[], ["finance_controller"]]}
    assert payload(role)["subject"] == {"type": "user", "id": str(user.pk), "name": "newauditor"}
    assert (scope.kind, scope.entity, scope.target_model, scope.target_id) == (
        "access.permission_granted", "FR", "entities.legalentity", str(entities["FR"].pk))  # fmt: skip
    assert payload(scope)["changes"] == {"object_permissions": [[], [ENTITY_SCOPE_PERM]]}
    assert verify_chain().ok


def test_service_grant_without_reason_is_refused_and_writes_nothing(entities):
    with pytest.raises(AccessReasonRequired, match="needs a reason"):
        user_ensure(username="sneaky", password="x" * 12, role="auditor")
    assert not User.objects.filter(username="sneaky").exists() and not audit_entries()
    user = user_ensure(username="plain", password="x" * 12)  # no access given: no reason needed, nothing recorded
    with pytest.raises(AccessReasonRequired, match="needs a reason"):
        grant(user, [ENTITY_SCOPE_PERM], entities["DE"])
    with pytest.raises(AccessReasonRequired):
        grant(user, [ENTITY_SCOPE_PERM], entities["DE"], reason="   ")
    assert get_perms(user, entities["DE"]) == [] and not audit_entries()


def test_grant_then_revoke_of_object_permissions_records_both_with_before_and_after(entities, superuser):
    user = user_ensure(username="viewer", password="x" * 12)
    grant(user, [ENTITY_SCOPE_PERM], entities["DE"], actor=superuser, reason="Covering DE during leave")
    revoke(user, [ENTITY_SCOPE_PERM], entities["DE"], actor="hr-sync", reason="Leave over")
    granted, revoked = audit_entries()
    assert (granted.kind, revoked.kind) == ("access.permission_granted", "access.permission_revoked")
    assert payload(revoked)["changes"] == {"object_permissions": [[ENTITY_SCOPE_PERM], []]}
    assert (revoked.actor_type, revoked.actor_name, revoked.reason) == ("service", "hr-sync", "Leave over")
    assert get_perms(user, entities["DE"]) == []


def test_superuser_status_is_recorded(superuser):
    user_ensure(username="root2", password="x" * 12, superuser=True, reason="Break-glass account", actor=superuser)
    (status,) = audit_entries("access.status")
    assert payload(status)["changes"] == {"is_superuser": [False, True], "is_staff": [False, True]}
    assert status.reason == "Break-glass account"


def test_idempotent_ensure_records_nothing_new(entities):
    user_ensure(username="again", password="x" * 12, role="auditor", reason="first")
    count = LedgerEntry.objects.count()
    user_ensure(username="again", password="y" * 12, role="auditor")  # nothing to grant: no reason needed
    assert LedgerEntry.objects.count() == count


def test_raw_orm_changes_outside_an_access_change_are_refused(entities):
    user = user_ensure(username="raw", password="x" * 12)
    auditors = Group.objects.get(name="auditor")
    for change in (
        lambda: user.groups.add(auditors),
        lambda: auditors.user_set.add(user),
        lambda: assign_perm(ENTITY_SCOPE_PERM, user, entities["US"]),
    ):
        with pytest.raises(AccessReasonRequired), transaction.atomic():
            change()
    assert not user.groups.exists() and get_perms(user, entities["US"]) == [] and not audit_entries()


def test_shell_change_is_recorded_with_the_os_user_as_actor(monkeypatch, entities):
    user = user_ensure(username="shelly", password="x" * 12)
    monkeypatch.setattr(sys, "argv", ["manage.py", "shell"])
    code = (
        "from django.contrib.auth.models import Group, User\n"
        "from apps.access.signals import access_change\n"
        "with access_change(reason='INC-7: auditor access for the year-end review'):\n"
        "    User.objects.get(username='shelly').groups.add(Group.objects.get(name='auditor'))\n"
    )
    call_command("shell", command=code)
    (entry,) = audit_entries()
    assert (entry.kind, entry.actor_type, entry.actor_name) == (
        "access.role_granted", "service", f"shell:{getpass.getuser()}")  # fmt: skip
    assert entry.reason == "INC-7: auditor access for the year-end review"
    assert payload(entry)["changes"] == {"groups": [[], ["auditor"]]}
    assert list(user.groups.values_list("name", flat=True)) == ["auditor"]
    with pytest.raises(AccessReasonRequired):
        call_command("shell", command="from django.contrib.auth.models import Group, User\n"
                     "User.objects.get(username='shelly').groups.clear()")  # fmt: skip


def test_group_side_removal_is_recorded_per_user(entities):
    a = user_ensure(username="a1", password="x" * 12, role="auditor", reason="setup")
    b = user_ensure(username="b1", password="x" * 12, role="auditor", reason="setup")
    with access_change(reason="Audit season over", actor="iam-sync"):
        Group.objects.get(name="auditor").user_set.remove(a, b)
    removed = audit_entries("access.role_revoked")
    assert sorted(payload(e)["subject"]["name"] for e in removed) == ["a1", "b1"]
    assert all(payload(e)["changes"] == {"groups": [["auditor"], []]} for e in removed)


def test_connector_owner_grant_names_the_registration(it_admin, entities):
    from tests.connectors.factories import webhook_connector

    webhook_connector(owner=it_admin, slug="hooks-x", entities=[entities["FR"]])
    grants = audit_entries("access.permission_granted")
    assert grants and all(e.actor_name == "itadmin" and "hooks-x" in e.reason for e in grants)
    assert {e.target_model for e in grants} == {"connectors.connector"}


# Admin -------------------------------------------------------------------------------------------------------


def _change_form(user):
    return {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "00:00:00",
    }


def test_admin_role_grant_needs_a_reason_and_is_recorded_with_it(client_for, superuser):
    target = user_ensure(username="target", password="x" * 12)
    client = client_for(superuser)
    url = f"/admin/auth/user/{target.pk}/change/"
    auditor_group = Group.objects.get(name="auditor")
    response = client.post(url, {**_change_form(target), "groups": [auditor_group.pk]})
    assert response.status_code == 200 and b"Give a reason" in response.content
    assert not target.groups.exists() and not audit_entries()
    response = client.post(url, {**_change_form(target), "groups": [auditor_group.pk], "reason": "SOX walkthrough"})
    assert response.status_code == 302, response.content[:500]
    (entry,) = audit_entries()
    assert (entry.kind, entry.actor_name, entry.actor_type, entry.reason) == (
        "access.role_granted", "admin", "user", "SOX walkthrough")  # fmt: skip
    assert payload(entry)["changes"] == {"groups": [[], ["auditor"]]}


def test_admin_deactivation_is_recorded_and_users_cannot_be_deleted(client_for, superuser):
    target = user_ensure(username="leaver", password="x" * 12)
    client = client_for(superuser)
    form = {**_change_form(target), "reason": "Left the company"}
    del form["is_active"]
    assert client.post(f"/admin/auth/user/{target.pk}/change/", form).status_code == 302
    (entry,) = audit_entries()
    assert (entry.kind, entry.reason) == ("access.status_changed", "Left the company")
    assert payload(entry)["changes"] == {"is_active": [True, False]}
    assert client.post(f"/admin/auth/user/{target.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=target.pk).exists()


def test_admin_entity_object_permission_page_asks_for_a_reason(client_for, superuser, entities):
    target = user_ensure(username="objperm", password="x" * 12)
    client = client_for(superuser)
    fr = entities["FR"]
    url = f"/admin/entities/legalentity/{fr.pk}/permissions/user-manage/{target.pk}/"
    perm = "access_entity_data"
    response = client.post(url, {"permissions": [perm]})
    assert response.status_code == 200 and get_perms(target, fr) == []
    response = client.post(url, {"permissions": [perm], "reason": "Interim FR controller"})
    assert response.status_code == 302 and get_perms(target, fr) == [perm]
    (entry,) = audit_entries()
    assert (entry.kind, entry.entity, entry.reason, entry.actor_name) == (
        "access.permission_granted", "FR", "Interim FR controller", "admin")  # fmt: skip


def test_deleting_an_account_that_holds_access_needs_a_reason_and_records_what_went(entities):
    user = user_ensure(username="gone", password="x" * 12, role="auditor", entities=[entities["FR"]], reason="setup")
    with pytest.raises(AccessReasonRequired), transaction.atomic():
        user.delete()
    with access_change(reason="GDPR erasure request 17", actor="dpo"):
        User.objects.get(username="gone").delete()
    (entry,) = audit_entries("access.account_deleted")
    changes = payload(entry)["changes"]
    assert changes["groups"] == [["auditor"], None] and entry.reason == "GDPR erasure request 17"
    assert changes["object_permissions"][0] == [f"{ENTITY_SCOPE_PERM} on legalentity #{entities['FR'].pk}"]
    assert not audit_entries("access.permission_revoked")  # the cascade is recorded with the deletion
    assert verify_chain().ok
