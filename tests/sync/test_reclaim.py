"""A worker killed while posting leaves its documents `posting`; once the posting lease is over, the next task of
that entity (the broker hands the killed one out again, or a new delivery's) posts them again — with the look-up
before every create, so what the dead worker committed in Odoo is found, not created twice. A claim still inside
its lease belongs to a live worker and is left alone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.documents.models import Document
from apps.documents.services import document_claim_many
from apps.sync.services import holds, runs
from tests.sync import helpers
from tests.sync.test_batches import reports


@pytest.mark.django_db(transaction=True)
def test_the_entitys_next_task_reposts_what_a_dead_worker_left_posting(posting_setup):
    setup = posting_setup(17, trigger="webhook")
    dead, alive = reports(setup, "R-RECLAIM", 2)
    assert [helpers.prepare(setup, d) for d in (dead, alive)] == ["mapped", "mapped"]
    document_claim_many([dead.pk, alive.pk], "mapped", "posting", flow=setup.flow.slug)
    long_ago = timezone.now() - holds.posting_lease() - timedelta(seconds=1)
    Document.objects.filter(pk=dead.pk).update(state_changed_at=long_ago)  # its worker was killed then
    done = runs.entity_process(source_connector=setup.source.slug, object_type="expense_report",
                               entity_id=setup.entity.pk)  # fmt: skip
    assert done == {"prepared": 0, "posted": 1}
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.state, alive.state) == ("posted", "posting")
    assert [m["state"] for m in setup.moves(dead.idempotency_key)] == ["posted"]
    assert setup.moves(alive.idempotency_key) == []
