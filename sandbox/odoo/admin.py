"""Token-guarded admin endpoints: /sandbox/faults, /sandbox/reset, /sandbox/stats, /sandbox/pay, /sandbox/apikeys."""

from __future__ import annotations

import hmac
import json
import secrets
from urllib.parse import parse_qs, urlparse

from .faults import FaultConfigError
from .seed import key_hash


def _authorized(handler) -> bool:
    token = handler.headers.get("X-Sandbox-Token") or parse_qs(urlparse(handler.path).query).get("token", [""])[0]
    return hmac.compare_digest(token.encode(), handler.sandbox.config.admin_token.encode())


def handle_admin(handler, verb, path):
    data = handler.body() if verb == "POST" else b""
    if not _authorized(handler):
        return handler.send_json(403, {"error": "X-Sandbox-Token header missing or wrong"})
    try:
        body = json.loads(data or b"{}")
    except ValueError:
        return handler.send_json(400, {"error": "body: invalid JSON"})
    route = ROUTES.get((verb, path.rstrip("/")))
    if route is None:
        return handler.send_json(404, {"error": f"no admin endpoint {verb} {path}"})
    try:
        status, answer = route(handler.sandbox, body)
    except FaultConfigError as exc:
        status, answer = 400, {"error": str(exc)}
    return handler.send_json(status, answer)


def get_faults(sandbox, body):
    return 200, sandbox.faults.snapshot()


def post_faults(sandbox, body):
    return 200, sandbox.faults.update(body)


def post_reset(sandbox, body):
    sandbox.reseed()
    sandbox._apply_credentials()
    if body.get("faults", True):
        sandbox.faults.reset()
    return 200, {"ok": True, "records": sandbox.stats()["records"]}


def get_stats(sandbox, body):
    return 200, sandbox.stats()


def post_pay(sandbox, body):
    """Mark journal entries (move_ids), reports (sheet_ids) or 19 expenses (expense_ids) as paid."""
    store, version = sandbox.store, sandbox.version
    done = {"move_ids": [], "sheet_ids": [], "expense_ids": []}
    with store.transaction():
        for mid in body.get("move_ids") or []:
            if store.get("account.move", mid) and version >= 14:
                store.update("account.move", mid, {"payment_state": body.get("payment_state", "paid")})
                done["move_ids"].append(mid)
        for sid in body.get("sheet_ids") or []:
            sheet = store.get("hr.expense.sheet", sid)
            if not sheet:
                continue
            store.update("hr.expense.sheet", sid, {"state": "done"})
            moves = (
                [sheet.get("account_move_id")]
                if sheet.get("account_move_id")
                else [m["id"] for m in store.table("account.move").values() if m.get("expense_sheet_id") == sid]
            )
            for mid in moves:
                if version >= 14:
                    store.update("account.move", mid, {"payment_state": "paid"})
            done["sheet_ids"].append(sid)
        for eid in body.get("expense_ids") or []:
            expense = store.get("hr.expense", eid)
            if expense and version >= 19:
                store.update("hr.expense", eid, {"state": "paid"})
                if expense.get("account_move_id"):
                    store.update("account.move", expense["account_move_id"], {"payment_state": "paid"})
                done["expense_ids"].append(eid)
    return 200, done


def post_apikeys(sandbox, body):
    """Create an API key for a login (14+): {"login", "expiration_date"?} → {"key"} (shown once)."""
    if sandbox.version < 14:
        return 400, {"error": "version: API keys exist from Odoo 14 on"}
    user = sandbox.user_by_login(body.get("login"))
    if not user:
        return 400, {"error": "login: no such active user"}
    key = body.get("key") or secrets.token_hex(20)
    with sandbox.store.transaction():
        keys = dict(sandbox.store.get_meta("apikeys") or {})
        keys[key_hash(key)] = {
            "uid": user["id"],
            "name": body.get("name", "admin-endpoint"),
            "expiration_date": body.get("expiration_date"),
        }
        sandbox.store.set_meta("apikeys", keys)
    return 200, {"key": key, "uid": user["id"]}


ROUTES = {
    ("GET", "/sandbox/faults"): get_faults,
    ("POST", "/sandbox/faults"): post_faults,
    ("POST", "/sandbox/reset"): post_reset,
    ("GET", "/sandbox/stats"): get_stats,
    ("POST", "/sandbox/pay"): post_pay,
    ("POST", "/sandbox/apikeys"): post_apikeys,
}
