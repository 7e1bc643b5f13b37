"""Mounted at /documents/ by integration_console/urls.py."""

from django.urls import path

from apps.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.document_list_view, name="index"),
    path("import/", views.document_import_view, name="import"),
    path("<int:pk>/", views.document_detail_view, name="detail"),
]
