"""Mounted at /api/v1/documents/ (namespace documents-api) by integration_console/api_urls.py."""

from django.urls import path

from apps.documents.api import views

urlpatterns = [
    path("", views.DocumentListApi.as_view(), name="document-list"),
    path("<int:pk>/", views.DocumentDetailApi.as_view(), name="document-detail"),
    path("imports/", views.DocumentImportApi.as_view(), name="document-import"),
]
