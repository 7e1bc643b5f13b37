from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccessConfig(AppConfig):
    name = "apps.access"
    label = "access"
    verbose_name = "Access and roles"

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from apps.access.lockout import record_lockout
        from apps.access.roles import sync_roles

        # Permissions are created in post_migrate too; syncing after every migrate attaches the ones of
        # models added since (dispatch_uid keeps it to one call per app signal).
        post_migrate.connect(sync_roles, dispatch_uid="access.sync_roles")
        user_locked_out.connect(record_lockout, dispatch_uid="access.record_lockout")
