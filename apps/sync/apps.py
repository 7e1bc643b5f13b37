from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SyncConfig(AppConfig):
    name = "apps.sync"
    label = "sync"
    verbose_name = "Flows and runs"

    def ready(self):
        from apps.sync.services.redrive import document_redrive
        from apps.sync.services.replay import document_replay
        from apps.worklist.redrive import register_redriver, register_replayer

        register_redriver(document_redrive)
        register_replayer(document_replay)
        post_migrate.connect(_schedules_after_migrate, sender=self, dispatch_uid="sync-schedules")


def _schedules_after_migrate(sender, using="default", **kwargs):
    """After every migrate: the retry sweep and each scheduled flow have their django-q2 schedule (idempotent)."""
    from django.db import router
    from django_q.models import Schedule

    from apps.sync.services.schedules import schedules_sync

    if not router.allow_migrate_model(using, Schedule):
        return  # e.g. `migrate --database reporting`: the task queue's tables live in default only
    schedules_sync(using=using)
