from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MappingsConfig(AppConfig):
    name = "apps.mappings"
    label = "mappings"
    verbose_name = "Mapping rules"

    def ready(self) -> None:
        from apps.connectors.dependants import register_dependants
        from apps.mappings.services.checks import mapping_owner_resolver, master_data_dependants
        from apps.mappings.tasks import ensure_schedules
        from apps.worklist.routing import register_owner_resolver

        register_owner_resolver(mapping_owner_resolver)
        register_dependants(master_data_dependants)
        post_migrate.connect(ensure_schedules, sender=self, dispatch_uid="mappings.ensure_schedules")
