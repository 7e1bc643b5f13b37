from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportingConfig(AppConfig):
    name = "apps.reporting"
    label = "reporting"
    verbose_name = "Reporting and monitoring"

    def ready(self) -> None:
        from apps.reporting.schedules import ensure_schedules

        post_migrate.connect(ensure_schedules, sender=self, dispatch_uid="reporting.ensure_schedules")
