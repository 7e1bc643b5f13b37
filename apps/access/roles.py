"""The roles of the console, as Django groups holding model permissions (capabilities).

Each app lists what each role may do with its models in `apps/<app>/roles.py` (`ROLE_PERMISSIONS`), so the
app that adds a model also says who may use it. `sync_roles()` runs after every `migrate` and makes the
groups hold exactly those permissions. Object scope (which entities, which connectors) is separate: see
`apps.access.permissions`.
"""

from importlib import import_module

from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission

FINANCE_CONTROLLER = "finance_controller"
INTEGRATION_ADMIN = "integration_admin"
AUDITOR = "auditor"
ROLES = {
    FINANCE_CONTROLLER: "Finance controller",
    INTEGRATION_ADMIN: "Integration admin (IT)",
    AUDITOR: "Auditor (read-only)",
}
OUR_APPS_PREFIX = "apps."


def declared_permissions() -> dict[str, set[str]]:
    """Role name → {"app_label.codename"} gathered from every app's roles module."""
    declared: dict[str, set[str]] = {role: set() for role in ROLES}
    for config in django_apps.get_app_configs():
        if not config.name.startswith(OUR_APPS_PREFIX):
            continue
        try:
            module = import_module(f"{config.name}.roles")
        except ModuleNotFoundError:
            continue
        for role, perms in getattr(module, "ROLE_PERMISSIONS", {}).items():
            declared[role].update(perms)
    # The auditor reads everything: every view permission of our apps, whatever the apps declare.
    for config in django_apps.get_app_configs():
        if config.name.startswith(OUR_APPS_PREFIX):
            declared[AUDITOR].update(f"{config.label}.view_{model._meta.model_name}" for model in config.get_models())
    return declared


def sync_roles(**_kwargs) -> None:
    """Create the role groups and give each exactly its declared permissions (idempotent)."""
    for role, perms in declared_permissions().items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in sorted(perms):
            app_label, codename = perm.split(".", 1)
            found = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if found is not None:  # a permission of a model not migrated yet is attached on a later migrate
                wanted.append(found)
        group.permissions.set(wanted)


def role_of(user) -> str | None:
    """The user's role name for display (superusers show as administrators)."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return "Administrator"
    names = [ROLES[g.name] for g in user.groups.all() if g.name in ROLES]
    return ", ".join(names) if names else None


# This app's own capabilities (collected by declared_permissions like every app's): every role may hold personal
# API tokens, which carry exactly the holder's permissions — an auditor's token still changes nothing.
ROLE_PERMISSIONS = {role: ["access.hold_apitoken"] for role in ROLES}
