"""Webhook deliveries skip the browser's middleware.

    application = route_hooks(get_wsgi_application())     # integration_console/wsgi.py

POST /hooks/<slug>/ is machine to machine: authenticated by its signature, it has no session, user, CSRF token,
second factor, flash messages, login lock-out or page to frame, yet each of those middleware ran on every
delivery — a tenth of the web process's CPU per delivery (see docs/architecture.md). Deliveries go through a
Django handler of their own (the same views, signals and error handling; a URLconf of the hooks only) whose
chain keeps what concerns an API answer: the security headers and the correlation id. Every other path goes
through the full chain.
"""

import time

from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections
from django.utils.module_loading import import_string

HOOK_PREFIX = "/hooks/"
HOOK_URLCONF = "integration_console.hook_urls"
HOOK_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.access.middleware.SecurityHeadersMiddleware",
    "apps.access.middleware.CorrelationIdMiddleware",
]


class HookHandler(WSGIHandler):
    """A WSGIHandler whose middleware chain is HOOK_MIDDLEWARE (synchronous middleware without view, template
    or exception hooks: Django's loader would otherwise take settings.MIDDLEWARE)."""

    def load_middleware(self, is_async=False):
        self._view_middleware, self._template_response_middleware, self._exception_middleware = [], [], []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(HOOK_MIDDLEWARE):
            middleware = import_string(path)(handler)
            if any(hasattr(middleware, h) for h in ("process_view", "process_template_response", "process_exception")):
                raise ImproperlyConfigured(f"{path} has view, template or exception hooks this handler does not run.")
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler

    answered_at = float("-inf")  # when this process last answered a delivery without a server error

    def get_response(self, request):
        request.urlconf = HOOK_URLCONF
        if time.monotonic() - self.answered_at < RECENTLY:
            _trust_connections()
        response = super().get_response(request)
        if response.status_code < 500:
            self.answered_at = time.monotonic()
        return response


# CONN_HEALTH_CHECKS makes the first query of every request a `SELECT 1` (a round trip, ~0.2 ms of CPU on both
# sides: a tenth of a delivery on PostgreSQL). A connection that served the previous delivery less than this long
# ago is taken as healthy; if the server went away meanwhile, this one delivery fails with 500 — the sender
# retries it — and Django closes the broken connection when the request ends, as it would without the check.
RECENTLY = 1.0


def _trust_connections() -> None:
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.errors_occurred:
            connection.health_check_done = True


def route_hooks(application):
    hooks = HookHandler()

    def route(environ, start_response):
        if environ.get("PATH_INFO", "").startswith(HOOK_PREFIX):
            return hooks(environ, start_response)
        return application(environ, start_response)

    return route
