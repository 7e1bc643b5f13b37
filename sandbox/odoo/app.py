"""The sandbox application: configuration, state, authentication and the `common` / `object` services."""

from __future__ import annotations

import collections
import datetime
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .env import Registry
from .errors import AccessDenied, OdooError, ServerError
from .faults import Faults
from .models import ALL_MODELS
from .seed import Seeder, key_hash
from .store import Store

VERSIONS = (11, 16, 17, 18, 19)


@dataclass
class Config:
    version: int = 17
    data_dir: Path | None = None
    database: str = "sandbox"
    login: str = "admin"
    password: str = "admin"  # noqa: S105 - the documented sandbox default
    api_key: str = field(default_factory=lambda: secrets.token_hex(20))
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(16))


class DropConnection(Exception):
    """Raised after a commit when the fault plan says the answer must be lost."""


class Sandbox:
    """One Odoo database of one version. Thread-safe: every call holds the store lock."""

    def __init__(self, config: Config):
        if config.version not in VERSIONS:
            raise ValueError(f"version must be one of {VERSIONS}")
        self.config = config
        self.version = config.version
        path = Path(config.data_dir) / f"odoo{config.version}-{config.database}.sqlite3" if config.data_dir else None
        self.store = Store(path)
        self.registry = Registry(self.store, self.version, ALL_MODELS)
        self.faults = Faults()
        self.stats_lock = threading.Lock()
        self.calls = collections.Counter()
        with self.store.lock:
            if not self.store.load() or self.store.get_meta("seed_version") != self.version:
                self.reseed()
            self._apply_credentials()

    # -- state -----------------------------------------------------------------------------------------------
    def reseed(self):
        with self.store.lock:
            self.store.wipe()
            Seeder(self.store, self.version, self.config.login, self.config.password, self.config.api_key).run()
            self.store.save_all()

    def _apply_credentials(self):
        """Flags win over the persisted admin login/password/API key (so a restart with new flags works)."""
        admin_id = self.admin_uid
        with self.store.transaction():
            self.store.update("res.users", admin_id, {"login": self.config.login, "password": self.config.password})
            if self.version >= 14:
                keys = {k: v for k, v in (self.store.get_meta("apikeys") or {}).items() if v.get("name") != "sandbox"}
                keys[key_hash(self.config.api_key)] = {"uid": admin_id, "name": "sandbox", "expiration_date": None}
                self.store.set_meta("apikeys", keys)

    @property
    def admin_uid(self) -> int:
        return 1 if self.version < 12 else 2

    def stats(self) -> dict:
        with self.store.lock:
            counts = {model: len(self.store.table(model)) for model in sorted(self.registry.models)}
        with self.stats_lock:
            calls = dict(self.calls)
        return {
            "version": self.version,
            "database": self.config.database,
            "records": counts,
            "calls": calls,
            "calls_total": sum(v for k, v in calls.items() if k.startswith("protocol:")),
            "faults_injected": self.faults.snapshot()["injected"],
        }

    def count(self, *keys):
        with self.stats_lock:
            for key in keys:
                self.calls[key] += 1

    # -- authentication --------------------------------------------------------------------------------------
    def check_db(self, db):
        if db != self.config.database:
            raise ServerError("psycopg2.OperationalError", f'FATAL:  database "{db}" does not exist')

    def user_by_login(self, login):
        for user in self.store.table("res.users").values():
            if user.get("login") == login and user.get("active"):
                return user
        return None

    def apikey_uid(self, key) -> int | None:
        """The user of a valid, unexpired API key (14+), else None."""
        if self.version < 14 or not key:
            return None
        entry = (self.store.get_meta("apikeys") or {}).get(key_hash(str(key)))
        if not entry:
            return None
        expiry = entry.get("expiration_date")
        if expiry and expiry < datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S"):
            return None
        return entry["uid"]

    def credentials_ok(self, user, password) -> bool:
        if not user or not password:
            return False
        if password == user.get("password"):
            return True
        return self.apikey_uid(password) == user["id"]

    def login(self, db, login, password) -> int | bool:
        self.check_db(db)
        user = self.user_by_login(login)
        return user["id"] if self.credentials_ok(user, password) else False

    def check_uid(self, db, uid, password) -> int:
        self.check_db(db)
        user = self.store.get("res.users", uid) if isinstance(uid, int) else None
        if not user or not user.get("active") or not self.credentials_ok(user, password):
            raise AccessDenied(self.version)
        return uid

    # -- services --------------------------------------------------------------------------------------------
    def version_info(self) -> dict:
        return {
            "server_version": f"{self.version}.0",
            "server_version_info": [self.version, 0, 0, "final", 0, ""],
            "server_serie": f"{self.version}.0",
            "protocol_version": 1,
        }

    def dispatch(self, service: str, method: str, params: list):
        """Odoo's dispatch_rpc: the `common`, `object` and `db` services."""
        params = list(params)
        if service == "common":
            if method == "version":
                return self.version_info()
            if method in ("login", "authenticate"):
                with self.store.lock:
                    return self.login(*params[:3])
            if method == "about":
                return "See http://openerp.com"
        elif service == "object":
            if method == "execute_kw":
                db, uid, password, model, name, *rest = params
                args = rest[0] if rest else []
                kwargs = rest[1] if len(rest) > 1 and rest[1] else {}
                return self.execute(db, uid, password, model, name, args, kwargs)
            if method == "execute":
                db, uid, password, model, name, *args = params
                return self.execute(db, uid, password, model, name, args, {})
        elif service == "db" and method == "list":
            return [self.config.database]
        elif service == "db" and method == "server_version":
            return f"{self.version}.0"
        raise ServerError("KeyError", repr(method) if service in ("common", "object", "db") else repr(service))

    def execute(self, db, uid, password, model, method, args, kwargs):
        with self.store.lock:
            uid = self.check_uid(db, uid, password)
            return self.execute_as(uid, model, method, args, kwargs)

    def execute_as(self, uid, model, method, args, kwargs, json2_ids=None):
        """One transaction: run the method, commit; a None result is still committed (the caller faults)."""
        if not isinstance(kwargs, dict):
            raise ServerError("TypeError", "execute_kw() argument after ** must be a mapping")
        kwargs = dict(kwargs)
        context = kwargs.pop("context", None) or {}
        self.count(f"method:{model}.{method}")
        with self.store.transaction():
            env = self.registry.env(uid, context)
            if json2_ids is not None:
                return self.registry.call_named(env, model, method, json2_ids, kwargs)
            result = self.registry.call(env, model, method, args, kwargs)
        return result

    def is_drop(self, model, method) -> bool:
        return self.faults.should_drop(model, method)


def run_rpc(fn, *args):
    """Call `fn` turning any non-Odoo Python exception (a sandbox bug) into a faultCode-1 style error."""
    try:
        return fn(*args)
    except OdooError:
        raise
    except Exception as exc:
        raise ServerError(type(exc).__name__, str(exc)) from exc
