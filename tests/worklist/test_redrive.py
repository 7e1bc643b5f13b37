"""Retry and replay go through the registry the flow engine fills; without it they say so plainly."""

import pytest

from apps.ledger.models import LedgerEntry
from apps.worklist import redrive, services
from apps.worklist.redrive import FlowEngineNotRunning, RedriveResult

pytestmark = pytest.mark.django_db


def test_retry_without_an_engine_says_the_flow_engine_is_not_running(make_item, controller):
    item = make_item()
    before = LedgerEntry.objects.count()
    with pytest.raises(FlowEngineNotRunning, match="flow engine is not running yet"):
        services.worklist_item_retry(item=item, actor=controller)
    item.refresh_from_db()
    assert item.is_active and LedgerEntry.objects.count() == before


def test_replay_without_an_engine_says_the_flow_engine_is_not_running(make_item, controller):
    with pytest.raises(FlowEngineNotRunning, match="cannot be replayed"):
        services.worklist_item_replay(item=make_item(category="dead_letter"), actor=controller)


def test_retry_calls_the_registered_engine_with_the_item_and_audits(make_item, controller):
    calls = []

    def engine(item, *, actor, dry_run):
        calls.append((item.pk, actor, dry_run, item.corrections))
        return RedriveResult(ok=True, message="Queued from the map stage.")

    redrive.register_redriver(engine)
    item = make_item()
    result = services.worklist_item_retry(item=item, actor=controller)
    assert result.message == "Queued from the map stage."
    assert calls == [(item.pk, controller, False, {})]
    entry = LedgerEntry.objects.filter(target_id=str(item.pk), kind="worklist_item.retry").get()
    assert entry.reason == "Queued from the map stage."


def test_correction_then_retry_hands_the_corrections_to_the_engine(make_item, controller):
    seen = []
    redrive.register_redriver(
        lambda item, *, actor, dry_run: seen.append(item.corrections) or RedriveResult(True, "ok")
    )
    outcome = services.worklist_item_correct(
        item=make_item(category="invalid_tax"), corrections={"tax_code": "FR-20"}, actor=controller
    )
    assert outcome.retried and seen == [{"tax_code": "FR-20"}]


def test_replay_dry_run_returns_the_diff_and_writes_nothing(make_item, controller):
    redrive.register_replayer(
        lambda item, *, actor, dry_run: RedriveResult(True, "Would post 1 move.", diff=[{"field": "amount"}])
    )
    item = make_item(category="dead_letter")
    before = LedgerEntry.objects.count()
    result = services.worklist_item_replay(item=item, actor=controller, dry_run=True)
    assert result.diff == [{"field": "amount"}] and LedgerEntry.objects.count() == before


def test_replay_of_a_document_that_is_neither_dead_nor_posted_is_refused(make_item, controller):
    redrive.register_replayer(lambda item, *, actor, dry_run: RedriveResult(True, "x"))
    with pytest.raises(services.redriving.WorklistError, match="use retry"):
        services.worklist_item_replay(item=make_item(category="invalid_tax"), actor=controller)


def test_an_approval_links_and_redrives_every_item_it_fixes(make_item, make_document, controller, entities):
    redriven = []
    redrive.register_redriver(lambda item, *, actor, dry_run: redriven.append(item.pk) or RedriveResult(True, "ok"))
    context = {"dimension": "employee", "source_value": "jane@example.com"}
    fixed = [make_item(context=context) for _ in range(3)]
    other = make_item(context={"dimension": "employee", "source_value": "bob@example.com"})
    outcome = services.worklist_items_redrive_for_approval(
        approval_ref="mappingset:7:v2", actor=controller, context_match=context, entity=entities["FR"]
    )
    assert (outcome.matched, outcome.redriven) == (3, 3) and sorted(redriven) == sorted(i.pk for i in fixed)
    other.refresh_from_db()
    assert other.resolved_by_approval == ""
    fixed[0].refresh_from_db()
    assert fixed[0].resolved_by_approval == "mappingset:7:v2"
