"""What went wrong in an Odoo call, in four classes a caller can act on.

- `TransientOdooError`: try again later (timeouts, refused/reset connections, HTTP 429/502/503/504, database
  serialization conflicts). `.retry_after` holds the server's Retry-After in seconds when it sent one;
  `.outcome_unknown` is True when the request may have reached Odoo (the connection died after sending), so a
  create must be looked up (by external id) before it is sent again.
- `OdooValidationError`: Odoo refused the data (UserError, ValidationError, MissingError, RedirectWarning).
  `.kind` names the cause when it is recognisable: closed_period, unbalanced, missing_record, invalid_tax,
  posted_entry, unknown_model, configuration.
- `OdooAuthError`: wrong password or API key, AccessDenied, AccessError (including private methods).
- `OdooUnknownError`: anything else (programming errors, bad field names, server crashes).

`classify(exc, model=..., method=...)` turns what a transport raised (xmlrpc Fault/ProtocolError, odoolib's
JsonRPCException/AuthenticationError, an `HttpStatusError` from JSON-2, socket and httpx errors) into one of
these, keeping Odoo's own message text in `.message`. Secrets are never part of any message: transports never
put request bodies into exceptions.
"""

import ast
import http.client
import re
import socket
import xmlrpc.client
from email.utils import parsedate_to_datetime

import httpx
from odoolib.tools import AuthenticationError, JsonRPCException

TRANSIENT_STATUSES = {429, 502, 503, 504}
NONE_RETURN_TEXT = "cannot marshal None"


class OdooError(Exception):
    """Base of every gateway error: Odoo's message text, a code, the model and method called."""

    def __init__(self, message: str, *, code=None, model: str | None = None, method: str | None = None, kind=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.model = model
        self.method = method
        self.kind = kind

    def __str__(self) -> str:
        where = f"{self.model}.{self.method}: " if self.model and self.method else ""
        return f"{where}{self.message}"


class TransientOdooError(OdooError):
    def __init__(self, message: str, *, retry_after: float | None = None, outcome_unknown: bool = False, **kw):
        super().__init__(message, **kw)
        self.retry_after = retry_after
        self.outcome_unknown = outcome_unknown


class OdooValidationError(OdooError):
    pass


class OdooAuthError(OdooError):
    pass


class OdooUnknownError(OdooError):
    pass


class HttpStatusError(Exception):
    """A non-2xx HTTP answer (JSON-2, or JSON-RPC behind a proxy): status, headers and the parsed JSON body."""

    def __init__(self, status: int, headers: dict, body):
        super().__init__(f"HTTP {status}")
        self.status = status
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        self.body = body


# --------------------------------------------------------------------------------------------- helpers
_KINDS = [
    ("closed_period", re.compile(r"lock date|prior to and inclusive of|locked period|closed period", re.I)),
    ("unbalanced", re.compile(r"unbalanced|not balanced", re.I)),
    ("posted_entry", re.compile(r"posted (journal )?entr|modify a posted", re.I)),
    ("missing_record", re.compile(r"does not exist or has been deleted|record does not exist|missingerror", re.I)),
    ("unknown_model", re.compile(r"^Object \S+ doesn't exist", re.I)),
    ("invalid_tax", re.compile(r"invalid tax|\btax(es)?\b.*\b(not (allowed|valid|compatible)|invalid|mismatch)", re.I)),
]
_SERIALIZATION = re.compile(
    r"could not serialize|SerializationFailure|TransactionRollbackError|deadlock detected|concurrent update"
    r"|could not obtain lock|LockNotAvailable|ConcurrencyError",
    re.I,
)


def validation_kind(message: str, name: str = "") -> str | None:
    """A short hint of why Odoo refused, from its message (English texts of 11–19)."""
    for kind, pattern in _KINDS:
        if pattern.search(message):
            return kind
    if name.endswith("MissingError"):
        return "missing_record"
    if name.endswith("RedirectWarning"):
        return "configuration"
    return None


def _untuple(text: str) -> str:
    """Odoo 11 renders some exceptions as a tuple repr ("('message', None)") or "message\nNone" -> "message"."""
    text = text.strip().removesuffix("\nNone").strip()
    if text.startswith("(") and text.endswith(")"):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return text
        if isinstance(value, tuple) and value and isinstance(value[0], str):
            return value[0]
    return text


_EXC_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Warning|Denied|Failure|Fault)): (.*)$")


def _traceback_exception(text: str) -> tuple[str, str]:
    """The (exception name, message) of the last exception line of a Python traceback."""
    lines = text.strip().splitlines()
    for i in range(len(lines) - 1, -1, -1):
        match = _EXC_LINE.match(lines[i])
        if match:
            message = "\n".join([match.group(2), *lines[i + 1 :]]).strip()
            return match.group(1), _untuple(message)
    return "", text.strip().splitlines()[-1] if text.strip() else ""


def retry_after_seconds(value) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date (then relative to now)."""
    if value in (None, ""):
        return None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        pass
    try:
        import datetime as dt

        when = parsedate_to_datetime(str(value))
        return max(0.0, (when - dt.datetime.now(when.tzinfo)).total_seconds())
    except (TypeError, ValueError, IndexError):
        return None


def is_none_return(exc: BaseException) -> bool:
    """True when Odoo faulted only because the method returned None (the change IS committed)."""
    if isinstance(exc, xmlrpc.client.Fault):
        return NONE_RETURN_TEXT in str(exc.faultString) and "TypeError" in str(exc.faultString)
    return False


# --------------------------------------------------------------------------------------------- classify
def _by_name(name: str, message: str, code, ctx: dict) -> OdooError:
    """Classify from an exception class name (JSON-RPC data.name, JSON-2 body name, traceback line)."""
    short = name.rsplit(".", 1)[-1]
    if _SERIALIZATION.search(name) or _SERIALIZATION.search(message):
        return TransientOdooError(message, code=code, kind="serialization", **ctx)
    if short in {"AccessDenied", "AccessError", "AuthenticationError", "SessionExpiredException"}:
        kind = "private_method" if "Private methods" in message else short
        return OdooAuthError(message, code=code, kind=kind, **ctx)
    if short in {"UserError", "ValidationError", "MissingError", "Warning", "RedirectWarning", "except_orm"}:
        return OdooValidationError(message, code=code, kind=validation_kind(message, name), **ctx)
    return OdooUnknownError(f"{short}: {message}" if short else message, code=code, **ctx)


_IMPORT_ERROR = re.compile(r"^Unknown error during import: <class '([\w.]+)'>: (.*)$", re.S)


def from_import_message(text: str, **ctx) -> OdooError:
    """An error message of Odoo's import (`load()` answers them instead of raising), classified as the same error
    raised by a create would be: "Unknown error during import: <class 'X'>: …" names the exception; the rest are
    database errors (a unique violation first)."""
    match = _IMPORT_ERROR.match(text.strip())
    if match:
        return _by_name(match.group(1), _untuple(match.group(2).strip()), None, ctx)
    first = text.strip().split("\n", 1)[0]
    name = "psycopg2.errors.UniqueViolation" if first.startswith("duplicate key value") else "psycopg2.Error"
    return _by_name(name, first, None, ctx)


def _from_fault(exc: xmlrpc.client.Fault, ctx: dict) -> OdooError:
    code, text = exc.faultCode, str(exc.faultString)
    if code == 2:
        return OdooValidationError(text.strip(), code=code, kind=validation_kind(text), **ctx)
    if code == 3:
        return OdooAuthError(text.strip() or "Access Denied", code=code, kind="AccessDenied", **ctx)
    if code == 4:
        message = _untuple(text)
        kind = "private_method" if "Private methods" in message else "AccessError"
        return OdooAuthError(message, code=code, kind=kind, **ctx)
    if isinstance(code, str):  # the legacy /xmlrpc endpoint: "warning -- UserError\n\nmessage", "AccessDenied"
        if code.startswith("warning -- "):
            name, _, message = code[len("warning -- ") :].partition("\n\n")
            return _by_name(name.strip(), message.strip() or text, code, ctx)
        if code.strip() == "AccessDenied":
            return OdooAuthError("Access Denied", code=code, kind="AccessDenied", **ctx)
    name, message = _traceback_exception(text)
    return _by_name(name, message, code, ctx)


def _from_status(status: int, headers: dict, body, ctx: dict) -> OdooError:
    headers = {str(k).lower(): v for k, v in (headers or {}).items()}
    name = body.get("name", "") if isinstance(body, dict) else ""
    message = (body.get("message") if isinstance(body, dict) else None) or (body if isinstance(body, str) else "")
    message = str(message).strip() or f"HTTP {status}"
    if status in TRANSIENT_STATUSES:
        return TransientOdooError(
            message,
            code=status,
            retry_after=retry_after_seconds(headers.get("retry-after")),
            kind=f"http_{status}",
            **ctx,
        )
    if status == 401:
        return OdooAuthError(message, code=status, kind="invalid_api_key", **ctx)
    if name:
        return _by_name(name, message, status, ctx)
    if status == 403:
        return OdooAuthError(message, code=status, kind="AccessError", **ctx)
    if status in (404, 422):
        return OdooValidationError(message, code=status, kind=validation_kind(message), **ctx)
    return OdooUnknownError(message, code=status, **ctx)


def _from_socket(exc: BaseException, ctx: dict) -> OdooError | None:
    """Connection-level failures. `outcome_unknown` when the request may have been sent already."""
    text = f"{type(exc).__name__}: {exc}".strip()
    if isinstance(exc, ConnectionRefusedError | httpx.ConnectError | httpx.ConnectTimeout):
        return TransientOdooError(text, kind="connection_refused", outcome_unknown=False, **ctx)
    if isinstance(exc, socket.gaierror):
        return TransientOdooError(text, kind="dns", outcome_unknown=False, **ctx)
    if isinstance(exc, TimeoutError | socket.timeout | httpx.TimeoutException):
        return TransientOdooError(text, kind="timeout", outcome_unknown=True, **ctx)
    if isinstance(
        exc,
        ConnectionError | http.client.HTTPException | httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError,
    ):
        return TransientOdooError(text, kind="connection_lost", outcome_unknown=True, **ctx)
    return None


def classify(exc: BaseException, *, model: str | None = None, method: str | None = None) -> OdooError:
    """Turn whatever a transport raised into an OdooError subclass (returned, not raised)."""
    ctx = {"model": model, "method": method}
    if isinstance(exc, OdooError):
        return exc
    if isinstance(exc, xmlrpc.client.Fault):
        return _from_fault(exc, ctx)
    if isinstance(exc, xmlrpc.client.ProtocolError):
        return _from_status(exc.errcode, dict(exc.headers or {}), exc.errmsg, ctx)
    if isinstance(exc, HttpStatusError):
        return _from_status(exc.status, exc.headers, exc.body, ctx)
    if isinstance(exc, JsonRPCException):
        return _from_jsonrpc(exc.error, ctx)
    if isinstance(exc, AuthenticationError):
        return OdooAuthError(str(exc) or "Authentication failure", kind="AccessDenied", **ctx)
    lost = _from_socket(exc, ctx)
    if lost is not None:
        return lost
    return OdooUnknownError(f"{type(exc).__name__}: {exc}", **ctx)


def _from_jsonrpc(error, ctx: dict) -> OdooError:
    if not isinstance(error, dict):
        return OdooUnknownError(str(error), **ctx)
    data = error.get("data") or {}
    name = data.get("name", "") if isinstance(data, dict) else ""
    message = (data.get("message") if isinstance(data, dict) else "") or error.get("message", "")
    code = error.get("code")
    if code == 100:
        return OdooAuthError(message or "Session expired", code=code, kind="session_expired", **ctx)
    if name:
        return _by_name(name, _untuple(str(message)), code, ctx)
    return OdooUnknownError(str(message), code=code, **ctx)
