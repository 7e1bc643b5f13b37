from django.http import HttpResponseNotFound

from integration_console.logs import correlation_id, new_correlation_id


class CorrelationIdMiddleware:
    """One correlation id per request: carried into logs and ledger entries, echoed in a response header."""

    header = "HTTP_X_CORRELATION_ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(self.header, "")
        value = incoming if incoming.isalnum() and len(incoming) <= 64 else new_correlation_id()
        token = correlation_id.set(value)
        request.correlation_id = value
        try:
            response = self.get_response(request)
        finally:
            correlation_id.reset(token)
        response["X-Correlation-ID"] = value
        return response


class SuperuserOnlyAdminMiddleware:
    """Django admin is for superusers only; everyone else gets a plain 404 (the admin is not advertised)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/admin/") and not request.path.startswith("/admin/login"):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and not user.is_superuser:
                return HttpResponseNotFound("Not found")
        return self.get_response(request)
