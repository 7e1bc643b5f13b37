import json

from django.http import HttpResponseNotFound, JsonResponse

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


class ApiErrorMiddleware:
    """Every error answer under /api/ carries the error shape of apps.access.api.errors.

    REST framework views already answer in that shape. This catches the rest: Django's own 404/405/500 pages
    (unknown URL, plain function views, an unexpected exception) become JSON without internals, and an app's
    older JSON error body (`{"detail", "fields"}`, `{"errors": …}`) gains the `error` object, its keys kept.
    """

    prefix = "/api/"
    kept_headers = ("Allow", "Retry-After", "WWW-Authenticate", "X-Correlation-ID", "Vary")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(self.prefix):
            refused = self.nul_in_query(request)
            if refused is not None:
                return refused
        response = self.get_response(request)
        if response.status_code < 400 or not request.path.startswith(self.prefix) or response.streaming:
            return response
        return self.normalized(request, response)

    @staticmethod
    def nul_in_query(request):
        """A NUL character in a query value: 400 naming the parameters. PostgreSQL cannot even compare such a
        text, so every filter would fail deep inside with a 500; the page forms refuse it the same way."""
        from apps.access.api.errors import error_body

        names = sorted({name for name, values in request.GET.lists() if any("\x00" in v for v in values)})
        if not names:
            return None
        fields = dict.fromkeys(names, "Null characters are not allowed.")
        return JsonResponse(error_body(400, "A query value contains a null character.", fields=fields), status=400)

    def normalized(self, request, response):
        from apps.access.api.errors import error_body, is_error_body

        data = _json_body(response)
        if is_error_body(data):
            return response
        status = response.status_code
        if isinstance(data, dict):
            body = error_body(status, _text(data.get("detail")), fields=_legacy_fields(data))
            body.update((key, value) for key, value in data.items() if key != "error")
        else:
            message = None
            if status == 500:
                message = f"Something went wrong on our side. It was recorded under correlation id {_cid(request)}."
            body = error_body(status, message)
        new = JsonResponse(body, status=status)
        for header in self.kept_headers:
            if header in response:
                new[header] = response[header]
        return new


def _json_body(response):
    if not response.get("Content-Type", "").startswith("application/json"):
        return None
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _legacy_fields(data: dict) -> dict:
    """{"fields": {...}} or {"errors": {...}} or {"errors": [{"field", "message"}]} → {"field": "message"}."""
    from apps.access.api.errors import flatten_fields

    for key in ("fields", "errors"):
        value = data.get(key)
        if isinstance(value, dict):
            return flatten_fields(value)
        if isinstance(value, list) and all(isinstance(item, dict) and "field" in item for item in value):
            fields: dict[str, str] = {}
            for item in value:
                name = str(item["field"])
                fields[name] = " ".join(filter(None, [fields.get(name), str(item.get("message", ""))]))
            return fields
    return {}


def _cid(request) -> str:
    return getattr(request, "correlation_id", "") or correlation_id.get() or "unknown"


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set: no powerful browser features, no cross-site embedding
    of our resources, and no caching of pages that show a secret once (those views add no-store themselves)."""

    headers = {
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        "Cross-Origin-Resource-Policy": "same-origin",
        "X-Permitted-Cross-Domain-Policies": "none",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for name, value in self.headers.items():
            response.headers.setdefault(name, value)
        return response
