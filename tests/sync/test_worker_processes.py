"""Real `manage.py qcluster` workers: a signed webhook posted end to end into the sandbox, and a worker SIGKILLed
between Odoo's commit and ours — restarted, it finds the entry in Odoo and posts nothing twice."""

import os
import signal
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.documents.models import Document
from apps.sync.posting.keys import MODULE, external_name
from tests.processes import child_env, manage_process, wait_for
from tests.sync import helpers

pytestmark = [pytest.mark.qcluster, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def deliver(raw: dict, msg_id: str) -> int:
    body, headers = helpers.signed(raw, msg_id=msg_id)
    return Client().post("/hooks/platform/", data=body, content_type="application/json", **headers).status_code


def posted(source_id: str):
    return Document.objects.filter(source_id=source_id, state="posted").first()


def assert_one_posted_move(setup, document):
    moves = setup.moves(document.idempotency_key)
    assert [m["state"] for m in moves] == ["posted"], moves
    assert document.odoo_ids == [moves[0]["id"]]
    name = external_name(document.idempotency_key)
    assert setup.count("ir.model.data", [["module", "=", MODULE], ["name", "=", name]]) == 1


def test_a_real_worker_posts_a_webhook_delivered_report_into_the_sandbox(posting_setup, tmp_path):
    setup = posting_setup(17, trigger="webhook")
    log = tmp_path / "qcluster.log"
    with manage_process("qcluster", env=child_env(Q_WORKERS="1"), log=log):
        assert [deliver(helpers.report("R-QC"), "msg_qc") for _ in range(2)] == [202, 200]
        document = wait_for(lambda: posted("R-QC"), timeout=60)
        assert document is not None, log.read_text()[-3000:]
        assert deliver(helpers.report("R-QC"), "msg_qc_again") == 200  # a new delivery of a posted report
        time.sleep(1)
    assert Document.objects.count() == 1
    assert_one_posted_move(setup, document)


def test_worker_killed_between_odoos_commit_and_ours_posts_once_after_restart(posting_setup, tmp_path):
    setup = posting_setup(17, trigger="webhook")
    sandbox = setup.sandbox
    setup.sandbox.set_faults({"latency_ms": 300})  # every call waits: a window after Odoo's commit to kill in
    created = sandbox.stats()["calls"].get("method:account.move.create", 0)
    # Q_RETRY: the broker hands an unacknowledged task out again that long after it was taken (here: killed).
    env = child_env(Q_WORKERS="1", Q_TIMEOUT="9", Q_RETRY="10")
    with manage_process("qcluster", env=env, log=tmp_path / "killed.log") as worker:
        assert deliver(helpers.report("R-KILL"), "msg_kill") == 202
        hit = wait_for(lambda: sandbox.stats()["calls"].get("method:account.move.create", 0) > created,
                       timeout=60, interval=0.02)  # fmt: skip
        assert hit, (tmp_path / "killed.log").read_text()[-3000:]
        time.sleep(0.1)  # Odoo has committed the move; the worker waits for its next answer
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
    sandbox.clear_faults()
    document = Document.objects.get(source_id="R-KILL")
    assert document.state == "posting"  # our side never committed
    assert setup.count("account.move", [["ref", "=", document.idempotency_key]]) == 1  # Odoo's side did
    # The restarted worker gets the unacknowledged task again and reclaims the posting once its lease (the
    # restarted worker's Q_TIMEOUT + 2 s) is over; the look-up finds the move, so nothing is created twice.
    # Started after the lease: a task handed out earlier finds the posting still leased and leaves it to the
    # retry sweep (a minute later), which a loaded machine could push past this test's wait.
    lease_over = document.state_changed_at + timedelta(seconds=3 + 2)
    time.sleep(max(0.0, (lease_over - timezone.now()).total_seconds()) + 0.2)
    log = tmp_path / "restarted.log"
    with manage_process("qcluster", env=child_env(Q_WORKERS="1", Q_TIMEOUT="3", Q_RETRY="4"), log=log):
        document = wait_for(lambda: posted("R-KILL"), timeout=60)
        assert document is not None, log.read_text()[-3000:]
    assert_one_posted_move(setup, document)
    assert setup.count("account.move", [["ref", "=", document.idempotency_key]]) == 1
