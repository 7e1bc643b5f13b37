"""Mounted at the site root by integration_console/urls.py: path("hooks/", include("apps.sync.hook_urls"))."""

from django.urls import path

from apps.sync import hook_views

app_name = "hooks"
urlpatterns = [path("<slug:slug>/", hook_views.receive, name="receive")]
