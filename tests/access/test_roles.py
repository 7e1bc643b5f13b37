from django.contrib.auth.models import Group

from apps.access.permissions import can, entity_scope
from apps.access.roles import AUDITOR, ROLES, declared_permissions, role_of, sync_roles
from apps.entities.models import LegalEntity


def test_migrations_create_every_role_group(db):
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)


def test_auditor_holds_every_view_permission_and_no_change_permission(db):
    sync_roles()
    codenames = set(Group.objects.get(name=AUDITOR).permissions.values_list("codename", flat=True))
    assert "view_legalentity" in codenames
    assert not {c for c in codenames if c.startswith(("add_", "change_", "delete_"))}


def test_role_groups_hold_exactly_the_declared_permissions(db):
    sync_roles()
    for role, declared in declared_permissions().items():
        held = {
            f"{app}.{code}"
            for app, code in Group.objects.get(name=role).permissions.values_list("content_type__app_label", "codename")
        }
        assert held <= declared


def test_controller_sees_only_the_entities_granted(controller, entities):
    assert set(entity_scope(LegalEntity.objects.all(), controller, field="pk").values_list("code", flat=True)) == {"FR"}


def test_auditor_sees_every_entity(auditor, entities):
    assert entity_scope(LegalEntity.objects.all(), auditor, field="pk").count() == 3


def test_outsider_can_do_nothing(outsider, entities):
    assert not can(outsider, "entities.view_legalentity")
    assert not entity_scope(LegalEntity.objects.all(), outsider, field="pk").exists()


def test_role_of_names_the_role_for_the_user_menu(controller, superuser, outsider):
    assert role_of(controller) == "Finance controller"
    assert role_of(superuser) == "Administrator"
    assert role_of(outsider) is None
