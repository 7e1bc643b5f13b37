"""The project's URLs plus /metrics at the root, as the lead will mount it (see the report of issue 9)."""

from django.urls import include, path

from integration_console.urls import handler403, handler404, handler500  # noqa: F401
from integration_console.urls import urlpatterns as project

urlpatterns = [path("", include("apps.reporting.metrics_urls")), *project]
