"""Personal API tokens: services (create, revoke), selectors (list, get) and the check behind Bearer auth.

A token reads `ic_<prefix>_<secret>`: the 8-hex-digit prefix finds the row, the SHA-256 digest of the whole
token must match the stored one. The plain token exists only in the return value of `api_token_create`.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.access import events
from apps.access.models import ApiToken, ApiTokenStatus
from apps.access.permissions import can, require

MANAGE_PERM = "access.hold_apitoken"
DEFAULT_LIFETIME_DAYS = 90
MAX_LIFETIME_DAYS = 365
# last_used_at is a hint for humans ("used 3 minutes ago"): one write per token per minute is plenty.
LAST_USED_RESOLUTION = timedelta(minutes=1)
TOKEN_RE = re.compile(r"^ic_(?P<prefix>[0-9a-f]{8})_[A-Za-z0-9_-]{40,64}$")


class TokenError(ValueError):
    """Bad input to a token service; `fields` maps a field name to its problem."""

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class TokenRejected(Exception):
    """A presented token that does not authenticate; `message` is safe to return to the caller."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the whole token: show it once, never store or log it


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _validated(name: str, lifetime_days) -> tuple[str, int]:
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Give the token a name that says what uses it."
    elif len(name) > 100:
        errors["name"] = "At most 100 characters."
    try:
        days = int(lifetime_days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_LIFETIME_DAYS:
        errors["expires_in_days"] = f"A whole number of days from 1 to {MAX_LIFETIME_DAYS}."
    if errors:
        raise TokenError("The token was not created: correct the fields below.", errors)
    return name, days


def api_token_create(
    *, actor, name: str, expires_in_days: int = DEFAULT_LIFETIME_DAYS, read_only: bool = False
) -> IssuedToken:
    """Create a token for `actor` (who needs `access.hold_apitoken`); the only time the plain token is returned.

    Raises AccessDenied without the capability, TokenError on bad input (nothing written).
    """
    require(actor, MANAGE_PERM, message="Your role does not include API access.")
    name, days = _validated(name, expires_in_days)
    for _attempt in range(5):  # a prefix collision (1 in 4 billion per token) just draws again
        prefix = secrets.token_hex(4)
        secret = f"ic_{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=actor,
                    name=name,
                    prefix=prefix,
                    token_hash=token_digest(secret),
                    read_only=bool(read_only),
                    expires_at=timezone.now() + timedelta(days=days),
                )
                events.security_event_send(events.API_TOKEN_CREATED, user=actor, payload=_described(token))
        except IntegrityError:
            continue
        return IssuedToken(token=token, secret=secret)
    raise TokenError("Could not draw a unique token; try again.")


def api_token_list(*, user) -> QuerySet:
    """The user's own tokens, newest first (revoked and expired included: they are the history)."""
    if not can(user, MANAGE_PERM):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def api_token_get(*, user, pk) -> ApiToken:
    """One of the user's own tokens; raises ApiToken.DoesNotExist for anyone else's."""
    return api_token_list(user=user).get(pk=pk)


@transaction.atomic
def api_token_revoke(*, actor, pk) -> ApiToken:
    """Revoke one of the actor's tokens at once (idempotent). Raises ApiToken.DoesNotExist for others' tokens."""
    require(actor, MANAGE_PERM, message="Your role does not include API access.")
    token = api_token_list(user=actor).select_for_update().get(pk=pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        events.security_event_send(events.API_TOKEN_REVOKED, user=token.user, actor=actor, payload=_described(token))
    return token


def _described(token: ApiToken) -> dict:
    """What the ledger keeps of a token: never the token or its digest."""
    return {"token_id": token.pk, "name": token.name, "prefix": token.prefix, "read_only": token.read_only,
            "expires_at": token.expires_at.isoformat()}  # fmt: skip


def api_token_authenticate(raw: str) -> ApiToken:
    """The active token matching `raw` (its user loaded); raises TokenRejected with a safe message otherwise.

    Expired and revoked are told apart only after the digest matched, so the answer reveals nothing to a
    caller who does not hold the token.
    """
    match = TOKEN_RE.match(raw or "")
    token = (
        ApiToken.objects.select_related("user").filter(prefix=match["prefix"]).first() if match is not None else None
    )
    if token is None or not hmac.compare_digest(token.token_hash, token_digest(raw)):
        raise TokenRejected("Invalid API token.")
    now = timezone.now()
    status = token.status(now)
    if status == ApiTokenStatus.REVOKED:
        raise TokenRejected("This API token was revoked. Create a new one on your API tokens page.")
    if status == ApiTokenStatus.EXPIRED:
        raise TokenRejected(f"This API token expired on {token.expires_at:%Y-%m-%d}. Create a new one.")
    if not token.user.is_active:
        raise TokenRejected("The account of this API token is disabled.")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
