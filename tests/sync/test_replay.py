"""Replay from the worklist with the real flow engine: a dry run first, then never a second posting.

A posted document replayed is only confirmed against Odoo (ledgered as a duplicate replay); one whose Odoo
entry has gone is refused with a reason, not posted again; a dead-lettered one is re-driven and posts once.
"""

import pytest

from apps.documents.models import Document
from apps.ledger.models import LedgerEntry
from apps.sync.services.replay import document_replay
from apps.worklist import redrive, services
from apps.worklist.services.opening import worklist_item_open
from tests.sync.conftest import inline_tasks, posting_setup, sandboxes  # noqa: F401  (fixtures)
from tests.worklist import live

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def setup(posting_setup, inline_tasks, controller):  # noqa: F811
    from apps.sync.services.redrive import document_redrive

    redrive.register_redriver(document_redrive)
    redrive.register_replayer(document_replay)
    built = posting_setup(17, trigger="webhook", posting_mode="journal_entry")
    live.configure(built, controller)
    return built


def _item(document, category="dead_letter"):
    key = f"replay:{document.idempotency_key}"
    return worklist_item_open(category=category, subject_key=key, message="Replay test", entity=document.entity,
                              document=document, stage="post")  # fmt: skip


def test_replaying_a_posted_document_shows_what_odoo_holds_and_posts_nothing(setup, controller):
    live.deliver(live.report("R-REPLAY-1"))
    document = Document.objects.get(source_id="R-REPLAY-1")
    assert document.state == "posted"
    item = _item(document, category="reconciliation_difference")

    dry = services.worklist_item_replay(item=item, actor=controller, dry_run=True)
    assert dry.ok and "already in Odoo" in dry.message and dry.diff[0]["before"] != "not in Odoo"

    done = services.worklist_item_replay(item=item, actor=controller, dry_run=False)
    assert done.ok and "posted nothing again" in done.message
    assert len(setup.moves(document.idempotency_key)) == 1
    entry = LedgerEntry.objects.filter(kind="document.replayed").get()
    assert (entry.outcome, entry.document) == ("duplicate", document.idempotency_key)


def test_a_posted_document_whose_odoo_entry_is_gone_is_not_posted_again(setup, controller):
    live.deliver(live.report("R-REPLAY-2"))
    document = Document.objects.get(source_id="R-REPLAY-2")
    [move] = setup.moves(document.idempotency_key)
    setup.odoo("account.move", "button_draft", [move["id"]])
    setup.odoo("account.move", "unlink", [move["id"]])

    done = services.worklist_item_replay(item=_item(document, "reconciliation_difference"), actor=controller,
                                         dry_run=False)  # fmt: skip
    assert not done.ok and "no longer holds" in done.message
    assert setup.moves(document.idempotency_key) == []
    assert LedgerEntry.objects.get(kind="document.replayed").outcome == "rejected"


def test_replaying_a_dead_lettered_document_posts_it_once(setup, controller):
    live.deliver(live.report("R-REPLAY-3"))
    document = Document.objects.get(source_id="R-REPLAY-3")
    # Dead-letter it as the retry sweep would after the last attempt, although Odoo already holds it (the
    # crash-after-Odoo-commit case): the replay must find the entry by its key instead of creating another.
    Document.objects.filter(pk=document.pk).update(state="dead_letter", failed_stage="post")
    item = _item(document)

    dry = services.worklist_item_replay(item=item, actor=controller, dry_run=True)
    assert dry.ok and "Nothing was sent" in dry.message
    assert services.worklist_item_replay(item=item, actor=controller, dry_run=False).ok
    document.refresh_from_db()
    assert document.state == "posted"
    assert len(setup.moves(document.idempotency_key)) == 1
