"""Two workers failing the same document at the same time end with one item (attempts 2), not two."""

import threading

import pytest
from django.db import connection, connections

from apps.worklist.models import WorklistItem
from apps.worklist.services import worklist_item_open

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_failures_of_one_subject_make_one_item(entities):
    barrier = threading.Barrier(2)
    errors = []

    def fail_once():
        try:
            barrier.wait(timeout=10)
            worklist_item_open(
                category="transport", subject_key="doc:race", message="Odoo timed out.", entity=entities["FR"]
            )
        except Exception as error:  # any failure must surface in the assertion below
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=fail_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    items = list(WorklistItem.objects.filter(subject_key="doc:race"))
    assert len(items) == 1 and items[0].attempts == 2, f"{connection.vendor}: {[(i.pk, i.attempts) for i in items]}"
