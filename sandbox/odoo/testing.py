"""Start the sandbox as a real subprocess for tests: `with run_sandbox(version=17, data_dir=tmp_path) as sb:`.

The handle exposes url, port, host, database, login, password, api_key, admin_token, version and the admin
calls set_faults(), get_faults(), reset(), stats(), pay(), create_api_key(), restart(). `sandbox_fixture()`
builds a pytest fixture. Nothing here imports Django.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SandboxHandle:
    version: int
    port: int
    data_dir: Path
    database: str = "sandbox"
    login: str = "admin"
    password: str = "admin"  # noqa: S105 - the documented sandbox default
    api_key: str = "sandbox-api-key"
    admin_token: str = "sandbox-admin-token"  # noqa: S105 - a loopback test token
    host: str = "127.0.0.1"
    extra_args: list = field(default_factory=list)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def admin_uid(self) -> int:
        return 1 if self.version < 12 else 2

    # -- process ---------------------------------------------------------------------------------------------
    def start(self, timeout: float = 15.0) -> SandboxHandle:
        cmd = [
            sys.executable,
            "-m",
            "sandbox.odoo",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--version",
            str(self.version),
            "--data",
            str(self.data_dir),
            "--database",
            self.database,
            "--login",
            self.login,
            "--password",
            self.password,
            "--api-key",
            self.api_key,
            "--admin-token",
            self.admin_token,
            *self.extra_args,
        ]
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        with self._log() as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sandbox exited with {self.process.returncode}: {self.output}")
            with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), timeout=0.2):
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"sandbox did not answer on port {self.port} within {timeout}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def _log(self):
        """The process output goes to a file (a pipe nobody reads could fill up and block the server)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir / f"sandbox-{self.port}.log"
        return self.log_path.open("ab")

    @property
    def output(self) -> str:
        """What the sandbox printed (start-up banner, errors)."""
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def restart(self) -> SandboxHandle:
        """Stop and start again on the same port and data directory (state must survive)."""
        self.stop()
        return self.start()

    # -- admin endpoints -------------------------------------------------------------------------------------
    def admin(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body or {}).encode() if method == "POST" else None
        request = urllib.request.Request(  # noqa: S310 - always http://<loopback host>:<port>
            self.url + path,
            data=data,
            method=method,
            headers={"X-Sandbox-Token": self.admin_token, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - see above
            return json.loads(response.read())

    def set_faults(self, plan: dict) -> dict:
        return self.admin("POST", "/sandbox/faults", plan)

    def get_faults(self) -> dict:
        return self.admin("GET", "/sandbox/faults")

    def clear_faults(self) -> dict:
        return self.set_faults({"reset": True})

    def reset(self) -> dict:
        """Reseed the data and clear the fault plan."""
        return self.admin("POST", "/sandbox/reset", {})

    def stats(self) -> dict:
        return self.admin("GET", "/sandbox/stats")

    def pay(self, move_ids=(), sheet_ids=(), expense_ids=()) -> dict:
        return self.admin(
            "POST",
            "/sandbox/pay",
            {"move_ids": list(move_ids), "sheet_ids": list(sheet_ids), "expense_ids": list(expense_ids)},
        )

    def create_api_key(self, login: str, expiration_date: str | None = None) -> str:
        return self.admin("POST", "/sandbox/apikeys", {"login": login, "expiration_date": expiration_date})["key"]


@contextlib.contextmanager
def run_sandbox(version: int = 17, data_dir: Path | str | None = None, **options):
    """Start a sandbox subprocess on a free loopback port; stop it on exit. Options: database, login, password,
    api_key, admin_token, extra_args (CLI flags, e.g. ["--fault", '{"latency_ms": 5}'])."""
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="odoo-sandbox-"))
        handle = SandboxHandle(
            version=version, port=options.pop("port", None) or free_port(), data_dir=Path(data_dir), **options
        )
        handle.start()
        try:
            yield handle
        finally:
            handle.stop()


def sandbox_fixture(version: int = 17, scope: str = "session", **options):
    """A pytest fixture factory: `odoo17 = sandbox_fixture(17)` in a conftest gives a running sandbox; tests that
    change data should call `sb.reset()` themselves (resets cost ~50 ms)."""
    import pytest

    @pytest.fixture(scope=scope)
    def _fixture(tmp_path_factory):
        with run_sandbox(version, tmp_path_factory.mktemp(f"odoo{version}"), **options) as handle:
            yield handle

    return _fixture
