"""Prepared statements (integration_console/sql.py): the same rows as the ORM writes, conflicts skipped."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import models

from apps.documents.models import Document, DocumentLine
from apps.entities.models import LegalEntity
from integration_console.sql import insert_rows, select_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity():
    return LegalEntity.objects.create(code="FR", name="France", currency="EUR")


def document(entity, key="c:expense_report:R-1:1", **extra) -> Document:
    return Document(source_connector="c", source_system="generic", object_type="expense_report", source_id="R-1",
                    idempotency_key=key, entity=entity, currency="EUR", total=Decimal("42.5000"),
                    canonical={"lines": [{"amount": "42.50"}], "note": "é"}, **extra)  # fmt: skip


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
