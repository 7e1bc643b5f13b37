from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SyncConfig(AppConfig):
    name = "apps.sync"
    label = "sync"
    verbose_name = "Flows and runs"

    def ready(self):
        from apps.sync.services.redrive import document_redrive
        from apps.worklist.redrive import register_redriver

        register_redriver(document_redrive)
        post_migrate.connect(_schedules_after_migrate, sender=self, dispatch_uid="sync-schedules")


def _schedules_after_migrate(sender, using="default", **kwargs):
    """After every migrate: the retry sweep and each scheduled flow have their django-q2 schedule (idempotent)."""
    from apps.sync.services.schedules import schedules_sync

    schedules_sync(using=using)
