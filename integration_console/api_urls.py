"""/api/v1/: each app's API lives in apps/<app>/api/ and is mounted here under its own prefix."""

from django.urls import include, path

from apps.documents.views import canonical_document_schema

urlpatterns = [
    path("ledger/", include(("apps.ledger.api.urls", "ledger-api"))),
    path("connectors/", include(("apps.connectors.api.urls", "connectors-api"))),
    path("mappings/", include(("apps.mappings.api.urls", "mappings-api"))),
    path("worklist/", include(("apps.worklist.api.urls", "worklist-api"))),
    path("sync/", include(("apps.sync.api.urls", "sync-api"))),
    path("reporting/", include(("apps.reporting.api.urls", "reporting-api"))),
    path("documents/", include(("apps.documents.api.urls", "documents-api"))),
    path("access/", include(("apps.access.api.urls", "access-api"))),
    path("schemas/canonical-document.json", canonical_document_schema, name="canonical-document-schema"),
]
