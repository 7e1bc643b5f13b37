"""Odoo 11 has no list create: a batch's journal entries are imported in one `load` call with their external ids,
all or none. A refused import falls back to one create per entry (so one bad document does not hold the others),
and an import whose answer is lost is recovered by look-up, never posted twice. Against the sandbox's Odoo 11."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.documents.models import Document
from apps.sync.posting.keys import MODULE, external_name
from apps.sync.services.runs import retry_sweep
from tests.sync import helpers
from tests.sync.test_exactly_once import assert_posted_once

pytestmark = pytest.mark.django_db


def report(source_id: str, **line) -> dict:
    return helpers.report(source_id, lines=[helpers.line(f"{source_id}-1", **line)])


def calls(setup) -> dict:
    """The sandbox's calls so far per method (it counts from its start, across tests)."""
    return {k.removeprefix("method:"): v for k, v in setup.sandbox.stats()["calls"].items() if k.startswith("method:")}


def made(before: dict, after: dict, *methods: str) -> tuple[int, ...]:
    return tuple(after.get(m, 0) - before.get(m, 0) for m in methods)


def test_a_batch_of_entries_is_one_import_with_its_external_ids(posting_setup):
    setup = posting_setup(11)
    documents = [helpers.receive(setup, report(f"R-IMPORT-{n}", amount=f"{40 + n}.00")) for n in range(3)]
    before = calls(setup)
    run = helpers.run(setup)
    assert run.status == "succeeded" and run.posted == 3
    for document in documents:
        assert_posted_once(setup, document)
    # one import; no create of a move nor of an external id (the import tagged them)
    methods = ("account.move.load", "account.move.create", "ir.model.data.create")
    assert made(before, calls(setup), *methods) == (1, 0, 0)


def test_a_lone_entry_is_one_import_too(posting_setup):
    setup = posting_setup(11)
    document = helpers.receive(setup, report("R-ALONE", amount="12.00"))
    before = calls(setup)
    helpers.run(setup)
    assert_posted_once(setup, document)
    methods = ("account.move.load", "account.move.create", "ir.model.data.create")
    assert made(before, calls(setup), *methods) == (1, 0, 0)


def test_a_refused_import_falls_back_to_one_create_each_and_holds_only_the_bad_document(posting_setup, controller):
    setup = posting_setup(11)
    helpers.master(setup.entity, "accounts", 999999, code="999999", name="Ghost")
    # TAXI to an account Odoo does not have; the others still by product reference
    helpers.active_mapping(setup.entity, "category", controller, [("TAXI", "account.account", 999999)], auto_match=True)
    good = [helpers.receive(setup, report(f"R-GOOD-{n}", category="MEALS", amount=f"{20 + n}.00"))
            for n in range(2)]  # fmt: skip
    bad = helpers.receive(setup, helpers.report("R-GHOST"))
    before = calls(setup)
    helpers.run(setup)
    for document in good:
        assert_posted_once(setup, document)
    bad.refresh_from_db()
    assert bad.state == "held" and bad.failed_stage == "post"
    assert setup.count("account.move", [["ref", "=", bad.idempotency_key]]) == 0  # nothing half-posted
    # the refused import, then one by one: the gateway's loop stops at the refused entry, which is then sent
    # alone for its own error — whatever the order, 3 entries cost 4 creates
    assert made(before, calls(setup), "account.move.load", "account.move.create") == (1, 4)


def test_an_import_whose_answer_is_lost_is_found_by_look_up_not_imported_again(posting_setup):
    setup = posting_setup(11)
    documents = [helpers.receive(setup, report(f"R-LOST-{n}", amount=f"{30 + n}.00")) for n in range(2)]
    setup.sandbox.set_faults({"drop_after_commit": {"model": "account.move", "method": "load", "count": 1}})
    before = calls(setup)
    helpers.run(setup)
    for document in documents:
        document.refresh_from_db()
        assert document.state == "mapped" and document.next_attempt_at is not None  # released for a retry
        name = external_name(document.idempotency_key)
        assert setup.count("ir.model.data", [["module", "=", MODULE], ["name", "=", name]]) == 1  # Odoo committed
    for _ in range(2):
        retry_sweep(now=timezone.now() + timedelta(hours=2))
    for document in documents:
        assert_posted_once(setup, document)
    assert made(before, calls(setup), "account.move.load", "account.move.create") == (1, 0)
    assert Document.objects.filter(state="posted").count() == 2
