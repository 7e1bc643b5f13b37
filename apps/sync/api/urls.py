"""Mounted at /api/v1/sync/ (namespace sync-api) by integration_console/api_urls.py."""

from django.urls import path

from apps.sync.api import views

urlpatterns = [
    path("flows/", views.FlowList.as_view(), name="flow-list"),
    path("flows/<slug:slug>/", views.FlowDetail.as_view(), name="flow-detail"),
    path("flows/<slug:slug>/run/", views.FlowRun.as_view(), name="flow-run"),
    path("flows/<slug:slug>/dry-run/", views.FlowDryRun.as_view(), name="flow-dry-run"),
    path("runs/", views.RunList.as_view(), name="run-list"),
    path("runs/<int:pk>/", views.RunDetail.as_view(), name="run-detail"),
    path("runs/<int:pk>/documents/", views.RunDocuments.as_view(), name="run-documents"),
]
