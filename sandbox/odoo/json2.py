"""JSON-2 (`/json/2/<model>/<method>`, Odoo 19+) and the `/doc-bearer/<model>.json` introspection document."""

from __future__ import annotations

import inspect
import json

from . import errors
from .app import DropConnection, run_rpc
from .env import SignatureError
from .errors import AccessError, OdooError, ServerError, UserError


def bearer_uid(handler):
    """The API key's user, or None (the caller answers 401)."""
    header = handler.headers.get("Authorization") or ""
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    with handler.sandbox.store.lock:
        return handler.sandbox.apikey_uid(key.strip())


def unauthorized(handler):
    body = {
        "name": "werkzeug.exceptions.Unauthorized",
        "message": "Invalid apikey",
        "arguments": ["Invalid apikey", 401],
        "context": {},
        "debug": "",
    }
    handler.send_json(401, body, {"WWW-Authenticate": 'bearer error="invalid_token"'})


def _guard(handler) -> int | None:
    """Shared checks; answers the request and returns None when it must stop."""
    sandbox = handler.sandbox
    if sandbox.version < 19:
        handler.not_found()
        return None
    database = handler.headers.get("X-Odoo-Database")
    if database and database != sandbox.config.database:
        handler.not_found()
        return None
    uid = bearer_uid(handler)
    if uid is None:
        handler.body()
        unauthorized(handler)
    return uid


def _error(handler, exc: OdooError, status=None):
    handler.send_json(status or errors.json2_status(exc), errors.json2_body(exc, handler.sandbox.version))


def handle_json2(handler, path):
    uid = _guard(handler)
    if uid is None:
        return
    parts = path[len("/json/2/") :].strip("/").split("/")
    data = handler.body()
    if len(parts) != 2:
        return handler.not_found()
    model, method = parts
    try:
        handler.sandbox.registry.method(model, method)
    except (UserError, ServerError) as exc:
        return _error(handler, exc, 404)
    except AccessError as exc:
        return _error(handler, exc)
    try:
        body = json.loads(data or b"{}")
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
    except ValueError as exc:
        return _error(handler, ServerError("werkzeug.exceptions.BadRequest", f"could not parse the body: {exc}"), 400)
    ids = body.pop("ids", None)
    try:
        if handler.serialization:
            from .server import SERIALIZATION

            raise SERIALIZATION
        with handler.sandbox.store.lock:
            result = run_rpc(handler.sandbox.execute_as, uid, model, method, None, body, ids)
        if handler.sandbox.is_drop(model, method):
            raise DropConnection
    except DropConnection:
        return handler.drop()
    except SignatureError as exc:
        return _error(handler, exc, 422)
    except OdooError as exc:
        return _error(handler, exc)
    handler.send(200, json.dumps(result, default=str).encode())
    return None


HIDDEN = {"ids", "args", "count"}  # old keyword aliases and parameters 19 no longer has


def method_doc(fn) -> dict:
    params = {}
    for name, param in list(inspect.signature(fn).parameters.items())[2:]:
        if name in HIDDEN:
            continue
        entry = {}
        if param.default is not inspect.Parameter.empty:
            entry["default"] = param.default
        params[name] = entry
    doc = {"parameters": params, "doc": (fn.__doc__ or "").strip().split("\n")[0]}
    doc["api"] = ["model"] if fn._rpc["model"] else []
    return doc


def handle_doc(handler, path):
    uid = _guard(handler)
    if uid is None:
        return
    name = path[len("/doc-bearer/") :]
    if not name.endswith(".json") or name[:-5] not in handler.sandbox.registry.models:
        return handler.not_found()
    model = handler.sandbox.registry.models[name[:-5]]
    methods = {m: method_doc(fn) for m, fn in sorted(model.public_methods.items())}
    fields = {n: f.describe() for n, f in model.fields.items()}
    handler.send_json(200, {"model": model._name, "name": model._description, "fields": fields, "methods": methods})
    return None
