from django.apps import AppConfig
from django.db.models.signals import post_migrate


class WorklistConfig(AppConfig):
    name = "apps.worklist"
    label = "worklist"
    verbose_name = "Exception worklist"

    def ready(self) -> None:
        post_migrate.connect(_schedules_after_migrate, sender=self, dispatch_uid="worklist-schedules")


def _schedules_after_migrate(sender, using="default", **kwargs) -> None:
    """After every migrate: the digest, overdue and wake schedules exist (created once, never duplicated)."""
    from apps.worklist.tasks import schedules_ensure

    if using != "default":  # schedules live with the task queue, in the default database only
        return
    schedules_ensure()
