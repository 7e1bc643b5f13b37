from django.apps import AppConfig


class MappingsConfig(AppConfig):
    name = "apps.mappings"
    label = "mappings"
    verbose_name = "Mapping rules"
