"""API rate limits (REST framework throttles): per user for signed-in callers, per address for the others.

Rates come from settings.API_THROTTLE_RATES ({"user": "1200/min", "anon": "60/min"}; environment variables
API_THROTTLE_USER and API_THROTTLE_ANON; an empty value turns that limit off). They are read on every request,
so a settings override applies at once. Counters live in the default cache: per process with the local-memory
cache, shared by every web process when REDIS_URL is set.

Over the limit the caller gets 429 with `Retry-After` and the usual error body (apps.access.api.errors).
DRF checks throttles after authentication and permissions, so the anonymous limit also guards what comes
first: every API token that fails to authenticate spends one unit of its address's anonymous allowance, and
past it the answer is 429 instead of 401 — guessing tokens is slowed to the anonymous rate.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from apps.access.lockout import client_ip


class _Throttle(SimpleRateThrottle):
    def get_rate(self):
        return (getattr(settings, "API_THROTTLE_RATES", None) or {}).get(self.scope) or None

    def __init__(self):
        # SimpleRateThrottle reads the rate once per instance: read it from the current settings.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_ident(self, request):
        # The proxy-aware address of the login lockout: only our own proxy's X-Forwarded-For hop is trusted.
        return client_ip(request) or "unknown"


class UserThrottle(_Throttle):
    """Every request of a signed-in user (session or token), counted per user."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AnonThrottle(_Throttle):
    """Requests without a signed-in user, counted per client address."""

    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def failed_authentication_allowed(request) -> tuple[bool, float | None]:
    """Spend one unit of the address's anonymous allowance on a failed token; (allowed, seconds to wait)."""
    throttle = AnonThrottle()
    if throttle.rate is None:
        return True, None
    throttle.key = throttle.cache_format % {"scope": throttle.scope, "ident": throttle.get_ident(request)}
    throttle.history = throttle.cache.get(throttle.key, [])
    throttle.now = throttle.timer()
    while throttle.history and throttle.history[-1] <= throttle.now - throttle.duration:
        throttle.history.pop()
    if len(throttle.history) >= throttle.num_requests:
        return False, throttle.wait()
    throttle.throttle_success()
    return True, None
