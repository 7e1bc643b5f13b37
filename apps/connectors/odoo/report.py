"""`test_connection()`: what the integration user can reach and do — not just that the login works."""

import time
from dataclasses import dataclass, field
from typing import NamedTuple

from apps.connectors.odoo.faults import OdooError, OdooValidationError


class OdooUser(NamedTuple):
    id: int
    login: str
    name: str


class Company(NamedTuple):
    id: int
    name: str
    currency: str


@dataclass
class ConnectionReport:
    ok: bool
    server_version: str = ""
    database: str = ""
    user: OdooUser | None = None
    companies: list[Company] = field(default_factory=list)
    missing_rights: list[str] = field(default_factory=list)
    latency_ms: float | None = None
    error: str | None = None
    error_class: str | None = None
    protocol: str = ""


def test_connection(gw) -> ConnectionReport:
    """Version (and the round-trip time of that call), login, user, allowed companies, missing rights.

    Never raises: a failure gives ok=False with Odoo's (or the socket's) message; the secret is never in it.
    """
    out = ConnectionReport(ok=False, database=gw.config.database, protocol=gw.config.protocol)
    try:
        started = time.perf_counter()
        info = gw.fetch_version_info()
        out.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        out.server_version = str(info.get("server_version", ""))
        profile = gw.profile
        out.user, company_ids = _user(gw)
        out.companies = _companies(gw, company_ids)
        out.missing_rights = missing_rights(gw, profile.required_rights)
    except OdooError as error:
        out.error, out.error_class = str(error), type(error).__name__
        return out
    out.ok = True
    return out


def _user(gw) -> tuple[OdooUser, list[int]]:
    uid = gw.uid
    row = gw.read("res.users", [uid], ["login", "name", "company_ids", "company_id"])[0]
    company_ids = list(row.get("company_ids") or []) or [_m2o_id(row.get("company_id"))]
    return OdooUser(uid, row.get("login") or "", row.get("name") or ""), [c for c in company_ids if c]


def _companies(gw, company_ids: list[int]) -> list[Company]:
    rows = gw.search_read("res.company", [["id", "in", company_ids]], ["name", "currency_id"], order="id")
    return [Company(r["id"], r["name"], _m2o_name(r.get("currency_id"))) for r in rows]


def missing_rights(gw, required: tuple[tuple[str, str], ...]) -> list[str]:
    """ "model:operation" for each required right the user lacks (uninstalled models say so)."""
    missing = []
    for model, operation in required:
        try:
            allowed = gw.call(model, "check_access_rights", (operation,), raise_exception=False)
        except OdooValidationError as error:
            if error.kind != "unknown_model":
                raise
            missing.append(f"{model}:{operation} (model not installed)")
            continue
        if not allowed:
            missing.append(f"{model}:{operation}")
    return missing


def _m2o_id(value):
    return value[0] if isinstance(value, list | tuple) and value else (value or None)


def _m2o_name(value) -> str:
    return value[1] if isinstance(value, list | tuple) and len(value) > 1 else ""
