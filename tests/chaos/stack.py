"""The chaos run's real processes: PostgreSQL database, Redis db, Odoo sandbox, gunicorn, qcluster workers.

    env = child_env(db_url=…, redis_url=…, data_dir=…, sandbox_url=…, webhook_secret=…)
    database_recreate(db_url)                # DROP … WITH (FORCE) + CREATE: a dedicated database, never shared
    redis_flush(redis_url)                   # the broker's db, emptied
    manage(["migrate", "--noinput"], env=env, log=…, timeout=…)
    web = Service("web", [gunicorn …], env=env, log=…).start(); web.stop()
    cluster = Service("qcluster-1", [python, manage.py, qcluster], …); cluster.kill(); cluster.start()

Every service runs in its own session (process group): `kill()` SIGKILLs the whole group (a worker and its
children die together, as on a lost machine), `stop()` sends SIGTERM and SIGKILLs what is left after a few
seconds. Started groups are written to a pid file; `reap_stale(pidfile)` ends the groups a previous run left
behind (only those, and only when their command line is still the one we started). Loopback only.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(
    *,
    db_url: str,
    redis_url: str,
    data_dir: Path,
    sandbox_url: str,
    webhook_secret: str,
    q_timeout: int,
    workers: int = 2,
) -> dict:
    """The environment of every console process of the run: the run's database, broker and data directory.

    DEBUG is off (a long-lived DEBUG worker keeps every SQL statement in memory). Q_RETRY must exceed
    Q_TIMEOUT (the settings refuse otherwise); the posting lease is Q_TIMEOUT + 2 s."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "Q_"))}
    for name in ("DATABASE_URL", "REDIS_URL", "DATA_DIR", "ODOO_SANDBOX_URL", "DEMO_WEBHOOK_SECRET"):
        inherited.pop(name, None)
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "integration_console.settings",
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "DATA_DIR": str(data_dir),
        "ODOO_SANDBOX_URL": sandbox_url,
        "DEMO_WEBHOOK_SECRET": webhook_secret,
        "DEBUG": "false",
        "LOG_LEVEL": "INFO",
        "LOG_JSON": "false",
        "Q_WORKERS": str(workers),
        "Q_TIMEOUT": str(q_timeout),
        "Q_RETRY": str(q_timeout + 10),
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(ROOT),
    }


# --------------------------------------------------------------------------------------------- data stores
def _pg_parts(db_url: str) -> tuple[str, str]:
    """(maintenance connection URL, database name) of a postgres:// URL."""
    base, _, name = db_url.rpartition("/")
    if not name or not name.replace("_", "").isalnum():
        raise ValueError(f"{db_url}: the database name must be letters, digits and _ only")
    return f"{base}/postgres", name


def database_recreate(db_url: str) -> None:
    """Drop and create the run's own database (it belongs to the chaos run: nothing else may use it)."""
    import psycopg

    maintenance, name = _pg_parts(db_url)
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def redis_flush(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    try:
        client.flushdb()
    finally:
        client.close()


def postgres_answers(host: str = "127.0.0.1", port: int = 5432) -> bool:
    return _answers(host, port)


def redis_answers(host: str = "127.0.0.1", port: int = 6379) -> bool:
    return _answers(host, port)


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def manage(args: list[str], *, env: dict, log: Path, timeout: float) -> None:
    """`manage.py <args>` to completion (bounded); raises with the log's tail when it fails."""
    with open(log, "ab") as out:
        try:
            done = subprocess.run(
                [PYTHON, "manage.py", *args],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"manage.py {' '.join(args)} did not finish within {timeout:.0f} s") from None
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"manage.py {' '.join(args)} exited {done.returncode}:\n{tail}")


# --------------------------------------------------------------------------------------------- services
class PidFile:
    """The process groups this run started, so a run killed outright can be cleaned up by the next one."""

    def __init__(self, path: Path):
        self.path = path
        self.groups: dict[int, list[str]] = {}

    def add(self, pid: int, argv: list[str]) -> None:
        self.groups[pid] = argv
        self._write()

    def remove(self, pid: int) -> None:
        self.groups.pop(pid, None)
        self._write()

    def _write(self) -> None:
        self.path.write_text(json.dumps({str(k): v for k, v in self.groups.items()}))


def reap_stale(path: Path) -> int:
    """SIGKILL the process groups a previous run recorded in `path` and left running; returns how many.

    Only a group whose leader still runs the command we recorded is ended (a pid may have been reused)."""
    if not path.exists():
        return 0
    try:
        groups = json.loads(path.read_text() or "{}")
    except ValueError:
        groups = {}
    reaped = 0
    for pid, argv in groups.items():
        cmdline = Path(f"/proc/{pid}/cmdline")
        with contextlib.suppress(OSError):
            if cmdline.read_bytes().split(b"\0")[: len(argv)] == [a.encode() for a in argv]:
                os.killpg(int(pid), signal.SIGKILL)
                reaped += 1
    path.unlink(missing_ok=True)
    return reaped


class Service:
    """One long-running process (and its children) in its own process group, restartable."""

    def __init__(self, name: str, argv: list[str], *, env: dict, log: Path, pidfile: PidFile):
        self.name, self.argv, self.env, self.log, self.pidfile = name, argv, env, log, pidfile
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> Service:
        with open(self.log, "ab") as out:
            out.write(f"\n==== start #{self.starts + 1} at {time.strftime('%H:%M:%S')}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.starts += 1
        self.pidfile.add(self.process.pid, self.argv)
        return self

    def kill(self) -> None:
        """SIGKILL the whole group at once: no handler runs, nothing is acknowledged, nothing is rolled forward."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        self.pidfile.remove(self.process.pid)

    def stop(self, grace: float = 5.0) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(grace)
        # Children outlive a leader that exited on SIGTERM: end the rest of the group in any case.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        self.pidfile.remove(self.process.pid)


def web_service(port: int, **kw) -> Service:
    argv = [
        GUNICORN,
        "integration_console.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
    ]
    return Service("web", argv, **kw)


def cluster_service(index: int, **kw) -> Service:
    return Service(f"qcluster-{index}", [PYTHON, "manage.py", "qcluster"], **kw)


def wait_http(url: str, timeout: float) -> bool:
    """True once `url` answers any HTTP status (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(0.2)
    return False


def wait_log(path: Path, text: str, timeout: float, after: int = 0) -> bool:
    """True once `text` appears in the log after byte offset `after` (a worker announcing it runs)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), open(path, "rb") as f:
            f.seek(after)
            if text.encode() in f.read():
                return True
        time.sleep(0.2)
    return False
