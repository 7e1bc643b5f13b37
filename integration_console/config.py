"""Reading settings from the environment, and refusing to start on bad configuration.

Every refusal is one line on stderr naming the variable (`SystemExit`), never a traceback and never a
silent fallback to an insecure default.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"  # noqa: S105 (refused in production)
# A fixed Fernet key so development and tests work without set-up; refused in production.
DEV_ENCRYPTION_KEY = "ZGV2LW9ubHktaW5zZWN1cmUta2V5LTAxMjM0NTY3ODk="


def refuse(variable: str, problem: str) -> None:
    raise SystemExit(f"configuration error: {variable} {problem}")


class Env:
    def __init__(self, environ=None):
        self.environ = os.environ if environ is None else environ

    def str(self, name: str, default: str = "") -> str:
        return self.environ.get(name, default)

    def bool(self, name: str, default: bool = False) -> bool:
        raw = self.environ.get(name)
        if raw is None or raw == "":
            return default
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        refuse(name, f"must be true or false, not {raw!r}")

    def int(self, name: str, default: int) -> int:
        raw = self.environ.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            refuse(name, f"must be a whole number, not {raw!r}")

    def list(self, name: str, default: list) -> list:
        raw = self.environ.get(name)
        if raw is None:
            return default
        return [item.strip() for item in raw.split(",") if item.strip()]

    def choice(self, name: str, default: str, choices: tuple) -> str:
        value = self.environ.get(name) or default
        if value not in choices:
            refuse(name, f"must be one of {', '.join(choices)}, not {value!r}")
        return value

    def secret(self, name: str, *, production: bool, dev_default: str, min_length: int = 50) -> str:
        """A secret read from NAME, or from the file named by NAME_FILE (Docker/Kubernetes secrets)."""
        value = self.environ.get(name) or _read_file(self.environ.get(f"{name}_FILE"), name)
        if production and (not value or value == dev_default):
            refuse(name, "must be set to a unique secret value in production (it is missing or the default)")
        if production and len(value) < min_length:
            refuse(name, f"must be at least {min_length} characters long in production")
        return value or dev_default

    def fernet_keys(self, name: str, *, production: bool, dev_default: str) -> list[str]:
        raw = self.secret(name, production=production, dev_default=dev_default, min_length=0)
        keys = [key.strip() for key in raw.split(",") if key.strip()]
        if production and dev_default in keys:
            refuse(name, "contains the development key; generate real keys for production")
        from cryptography.fernet import Fernet

        for position, key in enumerate(keys, start=1):
            try:
                Fernet(key)
            except (ValueError, TypeError):
                refuse(name, f"key number {position} is not a valid Fernet key (32 url-safe base64-encoded bytes)")
        return keys


def _read_file(path: str | None, name: str) -> str:
    if not path:
        return ""
    try:
        return Path(path).read_text().strip()
    except OSError as error:
        refuse(f"{name}_FILE", f"cannot be read: {error.strerror}")


def _parse_url(url: str, variable: str) -> dict:
    try:
        return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        refuse(variable, f"is not a database URL I understand: {error}")


PREPARE_THRESHOLD = 5  # executions of one statement by one connection before psycopg prepares it


def database(
    url: str,
    sqlite_path: Path,
    *,
    variable: str = "DATABASE_URL",
    test_prefix: str = "test",
    write_gate: bool = True,
    prepared: bool = True,
) -> dict:
    """PostgreSQL from `variable` (DATABASE_URL), or the embedded SQLite file shared by the web process and workers.

    `test_prefix` names the SQLite test database (`<prefix>-<pid>.sqlite3`), so two aliases never share one.
    `write_gate`: SQLite writers queue on a file lock (integration_console/sqlite). One database only may have it:
    a process holding one gate and waiting for another could deadlock with a process doing the reverse, and a
    gate has no timeout; between a gated and an ungated database SQLite's busy timeout breaks any such cycle.
    `prepared`: PostgreSQL binds parameters on the server and prepares a statement the fifth time a connection
    runs it (Django's default is neither: every statement is sent as text, parsed and planned anew). A webhook
    delivery's statements cost the server a third less CPU so. Off for a pooler that cannot keep prepared
    statements (PgBouncer before 1.21 in transaction mode).
    A `sqlite:///path` URL names another SQLite file: it gets the embedded database's settings, since Django's
    bare SQLite (deferred transactions, no WAL, a 5 s wait) fails writers at once with "database is locked"."""
    if url.startswith("sqlite:"):
        path = _parse_url(url, variable)["NAME"]
        if not path or path == ":memory:":
            refuse(variable, "must name a SQLite file (sqlite:////absolute/path.sqlite3): the web process and the "
                             "workers share it")  # fmt: skip
        return database("", Path(path), test_prefix=test_prefix, write_gate=write_gate)
    if not url:
        return {
            # Django's SQLite, with a write gate when asked: writers queue on a file lock, not on busy-handler sleeps.
            "ENGINE": "integration_console.sqlite" if write_gate else "django.db.backends.sqlite3",
            "NAME": sqlite_path,
            "OPTIONS": {
                # WAL lets readers run beside one writer; IMMEDIATE takes the write lock up front so two
                # processes never deadlock upgrading a read to a write; timeout waits for the lock.
                # synchronous=FULL: a commit is on disk when it returns. With NORMAL, WAL mode may lose the last
                # commits on power loss — webhooks already acknowledged (the platform will not send them again).
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
            "TEST": {"NAME": str(sqlite_path.with_name(f"{test_prefix}-{os.getpid()}.sqlite3"))},
            # Keep connections: closing one checkpoints the WAL (~14 ms), which django-q2 would do per task.
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    config = _parse_url(url, variable)
    if config["ENGINE"] != "django.db.backends.postgresql":
        refuse(variable, "must point to PostgreSQL (postgres://…) or SQLite (sqlite:///…)")
    config.setdefault("OPTIONS", {})["connect_timeout"] = 5
    if prepared:
        config["OPTIONS"].update(server_side_binding=True, prepare_threshold=PREPARE_THRESHOLD)
    return config


def q_cluster(*, redis_url: str, workers: int, timeout: int, retry: int, max_attempts: int, sync: bool) -> dict:
    if timeout >= retry:
        refuse("Q_TIMEOUT", f"({timeout}s) must be shorter than Q_RETRY ({retry}s)")
    cluster = {
        "name": "integration-console",
        "workers": workers,
        "recycle": 500,
        "timeout": timeout,
        "retry": retry,
        "max_attempts": max_attempts,
        "ack_failures": True,
        "catch_up": False,
        "save_limit": 1000,
        "queue_limit": 50,
        "label": "Task queue",
        "sync": sync,
    }
    if redis_url:
        cluster["redis"] = redis_url
    else:
        cluster["orm"] = "default"
        cluster["poll"] = 0.2
    return cluster


def logging_config(*, level: str, json: bool) -> dict:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"correlation": {"()": "integration_console.logs.CorrelationFilter"}},
        "formatters": {
            "json": {"()": "integration_console.logs.JsonFormatter"},
            "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if json else "text",
                "filters": ["correlation"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        # odoolib logs every call's arguments (passwords included) at DEBUG: never let that through.
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "httpx": {"level": "WARNING"},
            "odoolib": {"level": "WARNING"},
        },
    }


def web_workers(environ, cores: int) -> int:
    """gunicorn's sync workers (gunicorn.conf.py): WEB_CONCURRENCY if set, else one per core on SQLite and one more
    on PostgreSQL. SQLite lets one writer in at a time: a third process on 2 cores only waits for the write gate
    and takes turns on the cores with the holder (webhook intake here: 630–650 req/s, p99 33–35 ms with 2 workers;
    470–520, p99 45–54 ms with 3). PostgreSQL does part of each request in its own processes, and a worker waits on
    the network: 3 workers gave 525–565 req/s, 2 gave 465–477."""
    env = Env(environ)
    if env.str("WEB_CONCURRENCY"):
        workers = env.int("WEB_CONCURRENCY", 0)
        if workers < 1:
            refuse("WEB_CONCURRENCY", "must be a positive number of worker processes")
        return workers
    return cores + 1 if _engine(env.str("DATABASE_URL")) == "django.db.backends.postgresql" else cores


def _engine(url: str) -> str:
    """The Django engine a DATABASE_URL names (every PostgreSQL scheme dj_database_url knows), "" for SQLite's
    default or a URL it cannot read (the settings refuse that one themselves)."""
    try:
        return dj_database_url.parse(url)["ENGINE"] if url else ""
    except ValueError:
        return ""
