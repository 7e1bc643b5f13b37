import pytest
from django.db import IntegrityError

from apps.ledger.models import LedgerEntry
from apps.worklist.errors import WorklistError
from apps.worklist.models import WorklistItem, WorklistStatus
from apps.worklist.services import worklist_item_open, worklist_items_resolve_for

pytestmark = pytest.mark.django_db


def test_refailing_updates_the_open_item_instead_of_adding_one(make_item, make_document):
    document = make_document()
    first = make_item(document=document, message="first")
    again = make_item(document=document, message="second", detail="Odoo: still missing")
    assert again.pk == first.pk
    assert WorklistItem.objects.count() == 1
    again.refresh_from_db()
    assert (again.attempts, again.message, again.detail) == (2, "second", "Odoo: still missing")


def test_refailing_keeps_the_assignee(make_item, make_document, controller):
    document = make_document()
    item = make_item(document=document, assignee=controller)
    again = make_item(document=document)
    assert again.pk == item.pk and again.assignee == controller


def test_another_cause_for_the_same_document_is_another_item(make_item, make_document):
    document = make_document()
    make_item(document=document, category="mapping_missing")
    make_item(document=document, category="invalid_tax")
    assert WorklistItem.objects.filter(subject_key=document.idempotency_key).count() == 2


def test_a_new_failure_after_resolution_opens_a_new_item(make_item, make_document):
    document = make_document()
    first = make_item(document=document)
    assert worklist_items_resolve_for(subject_key=document.idempotency_key, actor=None, note="posted") == 1
    second = make_item(document=document)
    assert second.pk != first.pk and second.attempts == 1


def test_database_refuses_two_active_items_for_one_subject_and_cause(make_item):
    item = make_item()
    with pytest.raises(IntegrityError):
        WorklistItem.objects.create(
            category=item.category, subject_key=item.subject_key, message="x", due_date=item.due_date
        )


def test_open_and_refail_are_audited_in_the_ledger(make_item, make_document):
    document = make_document()
    item = make_item(document=document)
    make_item(document=document)
    kinds = list(
        LedgerEntry.objects.filter(target_model="worklist.worklistitem", target_id=str(item.pk))
        .order_by("sequence")
        .values_list("kind", "document")
    )
    assert kinds == [
        ("worklist_item.open", document.idempotency_key),
        ("worklist_item.refail", document.idempotency_key),
    ]


def test_amount_and_entity_come_from_the_document(make_document):
    document = make_document(entity="DE", total="99.999")
    item = worklist_item_open(
        category="invalid_tax", subject_key=document.idempotency_key, message="m", document=document
    )
    assert item.entity.code == "DE" and str(item.amount) == "100.00" and item.currency == "EUR"


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [("category", {"category": "nope"}), ("severity", {"severity": "urgent"}), ("subject_key", {"subject_key": ""})],
)
def test_bad_arguments_are_refused_with_the_field_named(field, kwargs, entities):
    arguments = {"category": "transport", "subject_key": "k", "message": "m", **kwargs}
    with pytest.raises(WorklistError) as error:
        worklist_item_open(**arguments)
    assert field in error.value.fields
    assert not WorklistItem.objects.exists()


def test_resolve_for_only_touches_the_given_categories(make_item, make_document):
    document = make_document()
    make_item(document=document, category="mapping_missing")
    tax = make_item(document=document, category="invalid_tax")
    resolved = worklist_items_resolve_for(
        subject_key=document.idempotency_key, actor=None, note="ok", categories=["mapping_missing"]
    )
    tax.refresh_from_db()
    assert resolved == 1 and tax.status != WorklistStatus.RESOLVED
