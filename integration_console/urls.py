from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from apps.access.api.docs import api_docs, api_schema
from integration_console import health, hook_urls

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # One sign-in for everyone (password + two-factor): the admin's own login form would skip the second factor.
    path("admin/login/", RedirectView.as_view(pattern_name="access:login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/schema/", api_schema, name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("api/v1/", include("integration_console.api_urls")),
    *hook_urls.urlpatterns,
    path("", include("apps.reporting.metrics_urls")),
    path("", include("apps.access.urls")),
    path("dashboard/", include("apps.reporting.urls")),
    path("worklist/", include("apps.worklist.urls")),
    path("ledger/", include("apps.ledger.urls")),
    path("flows/", include("apps.sync.urls")),
    path("mappings/", include("apps.mappings.urls")),
    path("connectors/", include("apps.connectors.urls")),
    path("documents/", include("apps.documents.urls")),
]

handler403 = "integration_console.errors.permission_denied"
handler404 = "integration_console.errors.page_not_found"
handler500 = "integration_console.errors.server_error"
