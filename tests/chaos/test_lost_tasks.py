"""What the chaos run found, as fast tests: a webhook document whose django-q2 task was lost is never moved again.

django-q2's Redis broker hands each task out once (BLPOP, no acknowledgement) and each qcluster prefetches up to
`queue_limit` (50) tasks into its own memory. A worker SIGKILLed with tasks taken from Redis loses them: their
documents stay `received` (or `mapped`, when the worker died between preparing and posting). Nothing re-drives
them: the retry sweep (apps/sync/services/runs.retry_sweep) only reclaims `posting` documents and posts `mapped`
ones that have a retry time, and runs serve scheduled and manual flows only. The chaos run at CI size left 47-71
of 200 documents `received` for good after one kill of both workers.

These tests stand in for "the worker took the task and died": the document is stored as intake stores it, its
task never runs, and the retry sweep runs one posting lease later. They fail until the sweep re-drives stalled
webhook documents (the fix proposed in the chaos report: `redrive_stalled` called from `retry_sweep`).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.sync.services.holds import posting_lease
from apps.sync.services.runs import retry_sweep
from tests.sync import helpers

pytestmark = pytest.mark.django_db  # the sandbox is another process: no commit needed here


def one_lease_later():
    return timezone.now() + posting_lease() + timedelta(seconds=1)


def test_a_received_webhook_document_whose_task_was_lost_is_posted_by_the_retry_sweep(posting_setup):
    setup = posting_setup(17, trigger="webhook")
    document = helpers.receive(setup, helpers.report("R-LOST-TASK"))  # stored; the task died with its worker
    retry_sweep(now=one_lease_later())
    document.refresh_from_db()
    assert document.state == "posted", (document.state, document.state_reason)
    assert setup.count("account.move", [["ref", "=", document.idempotency_key]]) == 1


def test_a_mapped_webhook_document_whose_worker_died_before_posting_is_posted_by_the_retry_sweep(posting_setup):
    setup = posting_setup(17, trigger="webhook")
    document = helpers.receive(setup, helpers.report("R-DIED-MAPPED"))
    assert helpers.prepare(setup, document) == "mapped"  # the task prepared it; the worker died before the claim
    retry_sweep(now=one_lease_later())
    document.refresh_from_db()
    assert document.state == "posted", (document.state, document.state_reason)
    assert setup.count("account.move", [["ref", "=", document.idempotency_key]]) == 1


def test_a_received_document_of_a_manual_flow_waits_for_its_run_not_for_the_sweep(posting_setup):
    setup = posting_setup(17, trigger="manual")
    document = helpers.receive(setup, helpers.report("R-MANUAL"))
    retry_sweep(now=one_lease_later())
    document.refresh_from_db()
    assert document.state == "received"
    assert setup.count("account.move", [["ref", "=", document.idempotency_key]]) == 0
