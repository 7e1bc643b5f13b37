"""The project's URLs plus the documents mounts the lead adds to integration_console (so these tests run today)."""

from django.urls import include, path

from apps.documents.views import canonical_document_schema
from integration_console.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("documents/", include("apps.documents.urls")),
    path("api/v1/documents/", include(("apps.documents.api.urls", "documents-api"))),
    path("api/v1/schemas/canonical-document.json", canonical_document_schema, name="canonical-document-schema"),
    *project_urlpatterns,
]
