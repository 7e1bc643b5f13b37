"""OpenAPI schema (/api/schema/) and interactive docs (/api/docs/, Swagger UI served from our own static files).

The docs use the "split" Swagger view: the init script is a separate same-origin file, so the page runs under
the strict Content-Security-Policy (no inline script or style). Both need a signed-in user or a token.
"""

from django.contrib.auth.decorators import login_required
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


class ApiSchema(SpectacularAPIView):
    """GET /api/schema/ — OpenAPI 3 (YAML; `?format=json` or `Accept: application/json` for JSON)."""


class ApiDocs(SpectacularSwaggerSplitView):
    template_name = "access/api_docs.html"
    url_name = "api-schema"
    title = "Integration Console API"


api_schema = ApiSchema.as_view()
api_docs = login_required(ApiDocs.as_view())
