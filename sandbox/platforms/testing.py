"""Run a platform sandbox as a real process on a free loopback port (tests, demos, benchmarks).

with run_platform("expensify", tmp_path / "expensify") as base_url:
    ...  # http://127.0.0.1:<port>
"""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def run_platform(name: str, data_dir, *, reports: int = 12, rate_limit: int | None = None, timeout: float = 10.0):
    """Start `python -m sandbox.platforms.<name>`; yield its base URL once /healthz answers; stop it after."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        f"sandbox.platforms.{name}",
        "--port",
        str(port),
        "--data",
        str(data_dir),
        "--reports",
        str(reports),
    ]
    if rate_limit is not None:
        command += ["--rate-limit", str(rate_limit)]
    log = Path(data_dir).with_suffix(".log")
    Path(data_dir).parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_ready(process, base_url, timeout, log)
            yield base_url
        finally:
            _stop(process)


def _wait_ready(process: subprocess.Popen, base_url: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sandbox exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    _stop(process)
    raise RuntimeError(f"sandbox at {base_url} did not answer within {timeout}s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
