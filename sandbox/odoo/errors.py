"""Odoo exceptions and how each transport renders them, per server version.

The texts and codes follow Odoo's own `wsgi_server` / `http.serialize_exception` (11 read in its source and
checked against a real Odoo 11; 16+ from the reference file). `render_*` functions never raise.
"""

from __future__ import annotations

TRACEBACK_HEAD = (
    "Traceback (most recent call last):\n"
    '  File "/usr/lib/python3/dist-packages/odoo/service/model.py", line 148, in execute_cr\n'
    "    return odoo.api.call_kw(recs, method, args, kw)\n"
    '  File "/usr/lib/python3/dist-packages/odoo/api.py", line 689, in call_kw\n'
    "    return call_kw_multi(method, model, args, kwargs)\n"
)


class OdooError(Exception):
    """Base of every error the sandbox answers as a fault; `message` is Odoo's wording."""

    qualname = "odoo.exceptions.UserError"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UserError(OdooError):
    qualname = "odoo.exceptions.UserError"


class ValidationError(OdooError):
    qualname = "odoo.exceptions.ValidationError"


class MissingError(OdooError):
    qualname = "odoo.exceptions.MissingError"


class RedirectWarning(OdooError):
    qualname = "odoo.exceptions.RedirectWarning"


class AccessError(OdooError):
    qualname = "odoo.exceptions.AccessError"


class AccessDenied(OdooError):
    qualname = "odoo.exceptions.AccessDenied"

    def __init__(self, version: int = 17):
        super().__init__("Access denied" if version < 12 else "Access Denied")


OLD_INTEGRITY = (
    "The operation cannot be completed, probably due to the following:\n"
    "- deletion: you may be trying to delete a record while other records still reference it\n"
    "- creation/update: a mandatory field is not correctly set\n\n[object with reference: {desc} - {model}]"
)


class ServerError(OdooError):
    """Any other Python exception inside Odoo: faultCode 1 with the whole traceback."""

    def __init__(self, exc_type: str, message: str, frame: str = "", trailer: str = ""):
        super().__init__(message)
        self.exc_type = exc_type
        self.frame = frame
        self.trailer = trailer  # lines PostgreSQL adds after the message (LINE 1: ... and a caret)
        self.qualname = exc_type if "." in exc_type else "builtins." + exc_type

    def traceback(self) -> str:
        return TRACEBACK_HEAD + self.frame + f"{self.exc_type}: {self.message}\n{self.trailer}"


def _old_args(exc: OdooError) -> list:
    """Odoo 11's except_orm args: UserError (msg, ''), AccessError/MissingError/ValidationError (msg, None)."""
    if isinstance(exc, UserError):
        return [exc.message, ""]
    if isinstance(exc, AccessDenied | ServerError | RedirectWarning):
        return [exc.message]
    return [exc.message, None]


def old_str(exc: OdooError) -> str:
    args = _old_args(exc)
    return str(tuple(args)) if len(args) > 1 else args[0]


def traceback_text(exc: OdooError, version: int) -> str:
    if isinstance(exc, ServerError):
        return exc.traceback()
    shown = old_str(exc) if version < 12 else exc.message
    return TRACEBACK_HEAD + f"{exc.qualname}: {shown}\n"


def xmlrpc_fault_int(exc: OdooError, version: int) -> tuple[int, str]:
    """(faultCode, faultString) on /xmlrpc/2/*."""
    if version < 12:
        if isinstance(exc, UserError):
            return 2, exc.message
        if isinstance(exc, MissingError):
            return 2, old_str(exc)
        if isinstance(exc, RedirectWarning):
            return 2, exc.message
        if isinstance(exc, AccessError):
            return 4, old_str(exc)
        if isinstance(exc, AccessDenied):
            return 3, exc.message
        return 1, traceback_text(exc, version)  # ValidationError is no UserError in 11
    if isinstance(exc, UserError | ValidationError | MissingError | RedirectWarning):
        return 2, exc.message
    if isinstance(exc, AccessError):
        return 4, exc.message
    if isinstance(exc, AccessDenied):
        return 3, exc.message
    return 1, traceback_text(exc, version)


def xmlrpc_fault_string(exc: OdooError, version: int) -> tuple[str, str]:
    """(faultCode, faultString) on the legacy /xmlrpc/* routes, where faultCode is a string."""
    if isinstance(exc, AccessDenied):
        return "AccessDenied", exc.message
    if version < 12:
        if isinstance(exc, UserError):
            return f"warning -- {exc.message}\n\n", ""
        if isinstance(exc, MissingError):
            return "warning -- MissingError\n\n" + old_str(exc), ""
        if isinstance(exc, AccessError):
            return "warning -- AccessError\n\n" + old_str(exc), ""
        if isinstance(exc, RedirectWarning):
            return "warning -- Warning\n\n" + exc.message, ""
        return "\n".join(str(a) for a in _old_args(exc)), traceback_text(exc, version)
    if isinstance(exc, UserError | ValidationError):
        return "warning -- UserError\n\n" + exc.message, ""
    if isinstance(exc, MissingError):
        return "warning -- MissingError\n\n" + exc.message, ""
    if isinstance(exc, AccessError):
        return "warning -- AccessError\n\n" + exc.message, ""
    if isinstance(exc, RedirectWarning):
        return "warning -- Warning\n\n" + exc.message, ""
    return exc.message, traceback_text(exc, version)


def jsonrpc_error(exc: OdooError, version: int) -> dict:
    """The `error` member of a JSON-RPC answer (always HTTP 200)."""
    if version < 12:
        args = _old_args(exc)
        kind = {
            UserError: "user_error",
            AccessError: "access_error",
            MissingError: "missing_error",
            AccessDenied: "access_denied",
            ValidationError: "validation_error",
            RedirectWarning: "warning",
        }.get(type(exc), "internal_error")
        data = {
            "name": exc.qualname,
            "debug": traceback_text(exc, version),
            "message": "\n".join("None" if a is None else str(a) for a in args),
            "arguments": args,
            "exception_type": kind,
        }
    else:
        data = {
            "name": exc.qualname,
            "debug": traceback_text(exc, version),
            "message": exc.message,
            "arguments": [exc.message],
            "context": {},
        }
    return {"code": 200, "message": "Odoo Server Error", "data": data}


def json2_status(exc: OdooError) -> int:
    """HTTP status of a JSON-2 error answer."""
    if isinstance(exc, MissingError):
        return 404
    if isinstance(exc, UserError | ValidationError):
        return 422
    if isinstance(exc, AccessError | AccessDenied):
        return 403
    return 500


def json2_body(exc: OdooError, version: int) -> dict:
    return {
        "name": exc.qualname,
        "message": exc.message,
        "arguments": [exc.message],
        "context": {},
        "debug": traceback_text(exc, version),
    }
