"""Mounted at the site root by integration_console.urls: `path("", include("apps.reporting.metrics_urls"))`."""

from django.urls import path

from apps.reporting.metrics import metrics

urlpatterns = [path("metrics", metrics, name="metrics")]
