"""Standard Webhooks signatures (standardwebhooks.com; Svix/Brex convention), pure functions.

Headers: `webhook-id`, `webhook-timestamp` (Unix seconds), `webhook-signature`: space-separated
`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`. Secrets are `whsec_<base64 key>` (the key is the
base64-decoded part); during a rotation the sender may sign with several secrets and the receiver accept
several. A timestamp further than `tolerance` seconds from now (either way) is refused, which bounds replays.
"""

import base64
import hashlib
import hmac
from collections.abc import Mapping

SECRET_PREFIX = "whsec_"  # noqa: S105 - the convention's prefix, not a secret
MAX_HEADER_LENGTH = 4096


class SignatureError(ValueError):
    """The message is not signed by any current secret (or is stale). The message is safe to show the sender."""


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_…` secret (its base64 payload). Raises ValueError for a malformed secret."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a Standard Webhooks secret starts with whsec_")
    try:
        return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (ValueError, TypeError):
        raise ValueError("the whsec_ secret is not valid base64") from None


def generate_secret(nbytes: int = 32) -> str:
    import secrets

    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(nbytes)).decode()


def _signature(key: bytes, msg_id: str, timestamp: str, body: bytes) -> str:
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def sign(secret: str | list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers for `body`, signed with one secret or each of several (as during a rotation)."""
    secrets = [secret] if isinstance(secret, str) else list(secret)
    ts = str(int(timestamp))
    signatures = " ".join(f"v1,{_signature(secret_key(s), msg_id, ts, body)}" for s in secrets)
    return {"webhook-id": msg_id, "webhook-timestamp": ts, "webhook-signature": signatures}


def _header(headers: Mapping, name: str) -> str:
    value = headers.get(name)
    if value is None:  # Django's request.headers is case-insensitive; a plain dict may carry any case
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    if not value:
        raise SignatureError(f"The {name} header is missing.")
    if len(value) > MAX_HEADER_LENGTH:
        raise SignatureError(f"The {name} header is too long.")
    return value


def verify(headers: Mapping, body: bytes, secrets: list[str], now: float, tolerance: int = 300) -> str:
    """Check the signature of `body`; return the webhook id (the sender's message id) when it holds.

    Accepts when any `v1` signature matches any of `secrets` (constant-time compare). Raises SignatureError
    for a missing header, a timestamp outside ±tolerance seconds of `now`, or no matching signature.
    """
    msg_id = _header(headers, "webhook-id")
    timestamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    if not (timestamp.isascii() and timestamp.isdigit()):  # isdigit() alone accepts "²", which int() refuses
        raise SignatureError("The webhook-timestamp header must be Unix seconds.")
    if abs(now - int(timestamp)) > tolerance:
        raise SignatureError(f"The message timestamp is more than {tolerance} seconds from now; it was refused.")
    offered = [part[3:] for part in signatures.split(" ") if part.startswith("v1,")]
    for secret in secrets:
        expected = _signature(secret_key(secret), msg_id, timestamp, body)
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return msg_id
    raise SignatureError("No valid signature: the message was not signed with a current secret of this connector.")
