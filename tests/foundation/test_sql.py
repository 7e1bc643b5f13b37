"""Prepared statements (integration_console/sql.py): the same rows as the ORM writes, conflicts skipped."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import DataError, IntegrityError, connection, models, transaction

from apps.documents.models import Document, DocumentLine
from apps.entities.models import LegalEntity
from integration_console.sql import insert_rows, insert_unless, select_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity():
    return LegalEntity.objects.create(code="FR", name="France", currency="EUR")


def document(entity, key="c:expense_report:R-1:1", **extra) -> Document:
    fields = {"source_connector": "c", "source_system": "generic", "object_type": "expense_report",
              "source_id": "R-1", "idempotency_key": key, "entity": entity, "currency": "EUR",
              "total": Decimal("42.5000"), "canonical": {"lines": [{"amount": "42.50"}], "note": "é"}}  # fmt: skip
    return Document(**{**fields, **extra})


def test_inserted_rows_read_back_as_the_orm_wrote_them(entity):
    doc = document(entity)
    insert_rows([doc], returning_pk=True)
    stored = Document.objects.get(pk=doc.pk)
    assert stored.total == Decimal("42.5000") and stored.canonical == doc.canonical
    assert stored.received_at is not None and stored.received_at == doc.received_at  # auto_now_add applied
    assert stored.state == "received" and stored.odoo_ids == []  # field defaults
    lines = [DocumentLine(document=doc, position=n, line_id=f"L{n}", date=date(2026, 11, 20), amount=Decimal("1.10"),
                          currency="EUR", category="TAXI", payment_mode="employee") for n in (1, 2)]  # fmt: skip
    insert_rows(lines)
    assert list(stored.lines.order_by("position").values_list("line_id", "amount")) == [
        ("L1", Decimal("1.1000")),
        ("L2", Decimal("1.1000")),
    ]


def test_a_conflicting_row_is_skipped_and_keeps_no_primary_key(entity):
    first, again = document(entity), document(entity)
    insert_rows([first], returning_pk=True, skip_conflicts=True)
    insert_rows([again], returning_pk=True, skip_conflicts=True)
    assert first.pk is not None and again.pk is None and again._state.adding
    assert Document.objects.count() == 1
    with pytest.raises(ValueError):
        insert_rows([document(entity, key="other")], skip_conflicts=True)


def test_select_values_matches_every_field_given(entity):
    LegalEntity.objects.create(code="DE", name="Germany", currency="EUR", active=False)
    assert select_values(LegalEntity, ["id", "code"], code="FR", active=True) == [(entity.pk, "FR")]
    assert select_values(LegalEntity, ["code"], code="DE", active=True) == []


def test_a_value_the_field_would_convert_is_still_converted(entity):
    # Strings, integers and None in plain fields pass as they are; anything else goes through the field, as in
    # the ORM: an integer in a text field is stored as its text, a bool in an integer field as 0/1.
    doc = document(entity, key=7, source_revision=True)
    insert_rows([doc], returning_pk=True)
    assert Document.objects.values_list("idempotency_key", "source_revision").get(pk=doc.pk) == ("7", 1)


def test_a_field_subclass_keeps_its_own_conversion():
    # An encrypting or normalising subclass of a plain field overrides get_prep_value: never passed as it is.
    from integration_console.sql import _plain_types

    class Upper(models.CharField):
        def get_prep_value(self, value):
            return value.upper()

    class Model:  # only its identity matters to the cache
        pass

    assert _plain_types(Model, [Upper(), models.CharField(), models.DateTimeField()]) == ((), (str,), ())


def test_insert_unless_writes_the_row_when_no_row_matches(entity):
    doc = document(entity, approved_at=None, previous_revision=None)  # NULLs of a date and a foreign key
    assert insert_unless(doc, source_connector="c", source_id="R-1") is True
    stored = Document.objects.get(pk=doc.pk)
    assert (stored.total, stored.canonical, stored.previous_revision_id) == (doc.total, doc.canonical, None)
    assert not doc._state.adding and stored.received_at == doc.received_at


def test_insert_unless_writes_nothing_when_a_row_matches_or_the_key_is_taken(entity):
    insert_rows([document(entity)], returning_pk=True)
    other_revision = document(entity, key="c:expense_report:R-1:2", source_revision=2)
    assert insert_unless(other_revision, source_connector="c", source_id="R-1") is False
    same_key = document(entity, source_id="R-9")
    assert insert_unless(same_key, source_connector="c", source_id="R-9") is False
    assert other_revision.pk is None and same_key.pk is None and Document.objects.count() == 1


def test_insert_unless_refuses_a_too_long_string_instead_of_cutting_it(entity):
    # PostgreSQL: the values are cast to their columns' types, but strings are not (a cast to varchar(n) would
    # truncate them silently). SQLite does not check lengths at all, as for any INSERT.
    doc = document(entity, currency="EURO")
    if connection.vendor == "postgresql":
        with pytest.raises(DataError), transaction.atomic():
            insert_unless(doc, source_id="R-1")
        assert Document.objects.count() == 0
    else:
        assert insert_unless(doc, source_id="R-1") and Document.objects.get().currency == "EURO"


def lines_of(doc, *numbers) -> list[DocumentLine]:
    return [DocumentLine(document=doc, position=n, line_id=f"L{n}", date=date(2026, 11, 20), amount=Decimal("1.10"),
                         currency="EUR", category="TAXI", payment_mode="employee") for n in numbers]  # fmt: skip


def test_insert_unless_writes_the_dependent_rows_with_the_row(entity):
    doc = document(entity)
    assert insert_unless(doc, dependents=lines_of(doc, 1, 2), source_id="R-1")
    stored = Document.objects.get(pk=doc.pk)
    assert list(stored.lines.order_by("position").values_list("line_id", "amount", "date")) == [
        ("L1", Decimal("1.1000"), date(2026, 11, 20)),
        ("L2", Decimal("1.1000"), date(2026, 11, 20)),
    ]


def test_insert_unless_writes_no_dependent_row_when_it_writes_no_row(entity):
    insert_rows([document(entity)], returning_pk=True)
    again = document(entity, key="c:expense_report:R-1:2", source_revision=2)
    assert not insert_unless(again, dependents=lines_of(again, 1), source_id="R-1")
    assert DocumentLine.objects.count() == 0


def test_a_dependent_row_breaking_a_unique_constraint_raises(entity):
    doc = document(entity)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_unless(doc, dependents=lines_of(doc, 1, 1), source_id="R-1")  # the same line id twice
    assert Document.objects.count() == 0 and DocumentLine.objects.count() == 0
