"""`Authorization: Bearer <token>` for the REST API (personal tokens of apps.access.tokens).

No header → not this scheme (the session may still authenticate). A token that does not authenticate → 401.
A read-only token used with an unsafe method → 403, whatever the user's role would allow. Too many bad tokens
from one address → 429 (apps.access.api.throttling).
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from apps.access.api.throttling import failed_authentication_allowed
from apps.access.tokens import TokenRejected, api_token_authenticate

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class ReadOnlyToken(exceptions.PermissionDenied):
    default_code = "read_only_token"
    default_detail = (
        "This API token is read-only: it may only read (GET, HEAD, OPTIONS). Use a read-write token to change anything."
    )


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header: expected 'Bearer <token>'.")
        try:
            token = api_token_authenticate(parts[1].decode("ascii"))
        except (UnicodeDecodeError, TokenRejected) as error:
            allowed, wait = failed_authentication_allowed(request)
            if not allowed:  # token guessing: slowed to the anonymous rate (apps.access.api.throttling)
                raise exceptions.Throttled(wait=wait) from None
            message = getattr(error, "message", "Invalid API token.")
            raise exceptions.AuthenticationFailed(message) from None
        if token.read_only and request.method not in SAFE_METHODS:
            raise ReadOnlyToken()
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (with this challenge) rather than 403 when credentials are missing or wrong.
        return 'Bearer realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.access.api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (Account → API tokens), sent as `Authorization: Bearer ic_…`.",
        }
