from django.apps import AppConfig


class WorklistConfig(AppConfig):
    name = "apps.worklist"
    label = "worklist"
    verbose_name = "Exception worklist"
