"""What the chaos run found, as fast tests: a webhook document whose django-q2 task was lost is never moved again.

django-q2's Redis broker hands each task out once (BLPOP, no acknowledgement) and each qcluster prefetches up to
`queue_limit` (50) tasks into its own memory. A worker SIGKILLed with tasks taken from Redis loses them: their
documents stay `received` (or `validated` / `mapped`, when the worker died between two stages). Before
`redrive_stalled`, nothing moved them again: the retry sweep only reclaimed `posting` documents and posted `mapped`
ones with a retry time, and runs serve scheduled and manual flows only. The chaos run left 47–71 of 200 documents
(CI size) and 480 of 2,000 (full size) unsettled for good.

These tests stand in for "the worker took the task and died": the document is stored as intake stores it, its
task never runs (or stops after a stage), and the retry sweep runs one posting lease later. The sweep re-drives
stalled webhook documents since `runs.redrive_stalled`; a document left `validated` (the worker died between the
validate and map stages, 3 of them in the full run) is not re-driven yet: its test fails until `redrive_stalled`
selects `PREPARE_STATES` (received and validated), not only `received`.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.documents.services import document_claim
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


def test_a_validated_webhook_document_whose_worker_died_before_mapping_is_posted_by_the_retry_sweep(posting_setup):
    """The full chaos run (current tree at the time) left 3 documents `validated` for good: the validate stage
    commits its claim on its own, then the worker died before the map stage."""
    setup = posting_setup(17, trigger="webhook")
    document = helpers.receive(setup, helpers.report("R-DIED-VALIDATED"))
    assert document_claim(document.pk, "received", "validated")  # stage_validate's claim; the worker then died
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
