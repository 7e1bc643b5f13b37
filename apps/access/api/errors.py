"""One shape for every API error: `{"error": {"code", "message", "fields"}}` (plus `detail`, the same message).

`exception_handler` is REST framework's EXCEPTION_HANDLER: DRF exceptions keep their status; Django's
ValidationError becomes 400 with fields, AccessDenied / PermissionDenied 403 with the service's message, a
missing object 404, a unique-constraint clash 409, an oversized body 413. Anything else is a bug and stays a 500
(rendered as JSON by apps.access.middleware.ApiErrorMiddleware, without internals).

Apps raise `ApiError(message, status=…, code=…, fields=…)` (or `Conflict`, `Unprocessable`) for their own
refusals. `detail` duplicates `error.message` for DRF-style clients written before this shape existed.
"""

from django.core import exceptions as django_exceptions
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

DEFAULT_MESSAGES = {
    400: "The request is not valid.",
    401: "Authentication is required: log in, or send 'Authorization: Bearer <token>'.",
    403: "You do not have permission to do this.",
    404: "Not found, or you may not see it.",
    405: "This method is not allowed here.",
    406: "The requested response format is not available.",
    409: "This conflicts with the current state of the object; reload it and try again.",
    413: "The request body is too large.",
    415: "Unsupported media type: send JSON (or multipart for file uploads).",
    422: "The request is well-formed but cannot be processed.",
    429: "Too many requests: wait a moment and try again.",
    500: "Something went wrong on our side. It was recorded; quote the correlation id when you report it.",
}
DEFAULT_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "throttled",
    500: "server_error",
}
INVALID_FIELDS_MESSAGE = "Some fields are not valid; nothing was changed."


class ApiError(exceptions.APIException):
    """A refusal with a status, a stable code, a message a person can act on and optional field errors."""

    def __init__(self, message: str, *, status_code: int = 400, code: str | None = None, fields=None):
        self.status_code = status_code
        super().__init__(message, code or DEFAULT_CODES.get(status_code, "error"))
        self.fields = {name: str(problem) for name, problem in (fields or {}).items()}


class Conflict(ApiError):
    def __init__(self, message: str, *, code: str = "conflict", fields=None):
        super().__init__(message, status_code=409, code=code, fields=fields)


class Unprocessable(ApiError):
    def __init__(self, message: str, *, code: str = "unprocessable", fields=None):
        super().__init__(message, status_code=422, code=code, fields=fields)


class PayloadTooLarge(ApiError):
    def __init__(self, message: str = DEFAULT_MESSAGES[413]):
        super().__init__(message, status_code=413)


def error_body(status_code: int, message: str | None = None, *, code: str | None = None, fields=None) -> dict:
    message = message or DEFAULT_MESSAGES.get(status_code, "The request failed.")
    return {
        "error": {
            "code": code or DEFAULT_CODES.get(status_code, "error"),
            "message": message,
            "fields": fields or {},
        },
        "detail": message,
    }


def flatten_fields(detail, prefix: str = "") -> dict[str, str]:
    """DRF/Django error details → {"field": "message", "lines.0.amount": "message"} (messages joined)."""
    if isinstance(detail, dict):
        flat: dict[str, str] = {}
        for key, value in detail.items():
            name = "non_field_errors" if key in ("__all__", "non_field_errors") and not prefix else str(key)
            flat.update(flatten_fields(value, f"{prefix}{name}"))
        return flat
    if isinstance(detail, list | tuple):
        if any(isinstance(item, dict | list | tuple) for item in detail):
            flat = {}
            for index, item in enumerate(detail):
                if item:
                    flat.update(flatten_fields(item, f"{prefix}.{index}" if prefix else str(index)))
            return flat
        return {prefix or "non_field_errors": " ".join(str(item) for item in detail)}
    return {prefix or "non_field_errors": str(detail)}


def _django_validation_error(exc: django_exceptions.ValidationError) -> exceptions.ValidationError:
    detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
    return exceptions.ValidationError(detail)


def as_api_exception(exc: Exception) -> Exception:
    """Translate the Django and database exceptions that mean bad input into DRF exceptions."""
    if isinstance(exc, django_exceptions.ValidationError):
        return _django_validation_error(exc)
    if isinstance(exc, django_exceptions.RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, django_exceptions.PermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, Http404 | django_exceptions.ObjectDoesNotExist):
        return exceptions.NotFound()
    if isinstance(exc, django_exceptions.SuspiciousOperation):
        return exceptions.ParseError("The request could not be read.")
    if isinstance(exc, IntegrityError):
        return Conflict("This would duplicate or break a link to an existing record; nothing was changed.")
    return exc


def _message_and_fields(exc: exceptions.APIException) -> tuple[str, dict]:
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_fields(exc.detail)
        general = fields.pop("non_field_errors", "")
        return general or INVALID_FIELDS_MESSAGE, fields
    fields = getattr(exc, "fields", None) or {}
    detail = exc.detail
    if isinstance(detail, dict | list):
        return DEFAULT_MESSAGES.get(exc.status_code, "The request failed."), flatten_fields(detail)
    return str(detail), fields


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else DEFAULT_CODES.get(exc.status_code, "error")


def exception_handler(exc, context):
    """REST framework EXCEPTION_HANDLER: the error shape above; None (→ 500) for real bugs."""
    exc = as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    message, fields = _message_and_fields(exc)
    response.data = error_body(response.status_code, message, code=_code(exc), fields=fields)
    return response


def is_error_body(data) -> bool:
    return isinstance(data, dict) and isinstance(data.get("error"), dict) and "message" in data["error"]
