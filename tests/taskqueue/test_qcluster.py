"""A real `manage.py qcluster` process executes queued tasks, with the ORM broker and with Redis."""

import os
import socket
import subprocess
import sys

import pytest
from django_q.models import Success

from tests.processes import ROOT, child_env, manage_process, wait_for
from tests.services import required_service

pytestmark = [pytest.mark.qcluster, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def enqueue(env: dict, func: str, arg: str) -> str:
    """Enqueue from a separate process so the broker is the one named by that process's settings."""
    code = f"from django_q.tasks import async_task; print(async_task({func!r}, {arg}))"
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def test_orm_broker_worker_runs_a_task(tmp_path):
    env = child_env(Q_WORKERS="1")
    with manage_process("qcluster", env=env, log=tmp_path / "qcluster.log"):
        task_id = enqueue(env, "math.floor", "3.7")
        done = wait_for(lambda: Success.objects.filter(id=task_id).first(), timeout=60)
    assert done is not None, (tmp_path / "qcluster.log").read_text()
    assert done.result == 3


@pytest.mark.redis
def test_redis_broker_worker_runs_a_task(tmp_path):
    required_service("redis", redis_answers(), "nothing answers on 127.0.0.1:6379")
    # The test run's own Redis db (the parallel passes of scripts/run_tests.py have one each).
    env = child_env(Q_WORKERS="1", REDIS_URL=os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15"))
    with manage_process("qcluster", env=env, log=tmp_path / "qcluster.log"):
        task_id = enqueue(env, "math.ceil", "3.2")
        done = wait_for(lambda: Success.objects.filter(id=task_id).first(), timeout=60)
    assert done is not None, (tmp_path / "qcluster.log").read_text()
    assert done.result == 4


def test_the_make_run_worker_stops_cleanly_when_its_process_group_is_terminated(tmp_path):
    """honcho (make run) stops a process with SIGTERM to its whole group; qcluster itself then hung until honcho's
    SIGKILL (its sentinel died holding the stop event's lock). scripts/run_worker.py passes it to the cluster only."""
    import signal
    import time

    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen([sys.executable, "scripts/run_worker.py"], cwd=ROOT, env=child_env(Q_WORKERS="1"),
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        assert wait_for(lambda: b"running" in (tmp_path / "worker.log").read_bytes(), timeout=60)
        started = time.monotonic()
        os.killpg(worker.pid, signal.SIGTERM)  # as honcho does
        assert worker.wait(timeout=4.5) == 0, (tmp_path / "worker.log").read_text()
        assert time.monotonic() - started < 4.5  # honcho's grace is 5 s
        assert b"has stopped" in (tmp_path / "worker.log").read_bytes()
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
