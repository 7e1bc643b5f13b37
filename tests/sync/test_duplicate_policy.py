"""The suspected-duplicate policy: a line of another, non-void document of the same employee with the same date,
amount and merchant, received within the window. Found through the line's match key (one index look-up per
line, however many lines share its date and amount), then compared field by field."""

import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.documents.match_keys import line_match_key
from apps.documents.models import Document, DocumentLine
from apps.sync.services import policies
from tests.sync import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(entities, it_admin):
    return SimpleNamespace(source=helpers.webhook_connector(it_admin, entities=list(entities.values())))


def receive(source, source_id: str, *, email="someone@example.com", **line) -> Document:
    line = {"amount": "55.00", "merchant": "Chez Paul", "date": "2026-11-12", **line}
    return helpers.receive(
        source, helpers.report(source_id, email=email, lines=[helpers.line(f"{source_id}-1", **line)])
    )


def problems(document: Document) -> list[str]:
    document.refresh_from_db()
    return [p.message for p in policies.duplicates(document, document.canonical_document)]


def test_the_same_line_written_differently_is_a_suspected_duplicate(source):
    first = receive(source, "R-DUP-1")
    second = receive(source, "R-DUP-2", email="Someone@Example.com", amount="55.0", merchant="CHEZ PAUL")
    assert problems(second) == [f"Line R-DUP-2-1 (55.0 EUR at CHEZ PAUL on 2026-11-12) looks like line R-DUP-1-1 "
                                f"of {first}."]  # fmt: skip
    assert len(problems(first)) == 1  # and the other way round


@pytest.mark.parametrize("differs", [{"email": "other@example.com"}, {"date": "2026-11-13"}, {"amount": "55.01"},
                                     {"merchant": "Chez Pierre"}])  # fmt: skip
def test_a_line_differing_in_employee_date_amount_or_merchant_is_not(source, differs):
    receive(source, "R-DUP-1")
    assert problems(receive(source, "R-DUP-2", **differs)) == []


def test_lines_without_a_merchant_never_match(source):
    receive(source, "R-DUP-1", merchant="")
    second = receive(source, "R-DUP-2", merchant="")
    assert problems(second) == [] and DocumentLine.objects.filter(match_key__isnull=False).count() == 0


def test_only_documents_received_within_the_window_and_not_void_count(source):
    old = receive(source, "R-DUP-OLD")
    void = receive(source, "R-DUP-VOID")
    Document.objects.filter(pk=old.pk).update(received_at=old.received_at - policies.DUPLICATE_WINDOW - timedelta(1))
    Document.objects.filter(pk=void.pk).update(state="rejected")
    assert problems(receive(source, "R-DUP-NEW")) == []


def test_lines_received_before_the_key_existed_get_theirs_from_the_migration(source):
    first = receive(source, "R-DUP-1")
    DocumentLine.objects.update(match_key=None)  # as the migration found them
    migration = importlib.import_module("apps.documents.migrations.0005_line_match_key")
    migration.keys_for_lines_received_before(django_apps, None)
    line = DocumentLine.objects.get(document=first)
    assert line.match_key == line_match_key("someone@example.com", line.date, line.amount, "Chez Paul")
    assert len(problems(receive(source, "R-DUP-2"))) == 1


def batch_problems(documents: list[Document]) -> list[list[str]]:
    for document in documents:
        document.refresh_from_db()
    items = [(document, document.canonical_document) for document in documents]
    return [[p.message for p in found] for found in policies.duplicates_many(items)]


def test_a_batch_whose_keys_no_other_document_shares_reads_no_line_back(source):
    batch = [receive(source, f"R-OWN-{n}", amount=f"{n}.00") for n in range(1, 6)]
    with CaptureQueriesContext(connection) as queries:
        assert batch_problems(batch) == [[]] * 5
    line_queries = [q["sql"] for q in queries if "documents_documentline" in q["sql"]]
    assert len(line_queries) == 1 and "GROUP BY" in line_queries[0]  # counted by the database, none fetched


def test_two_documents_of_one_batch_are_each_others_suspected_duplicates(source):
    first, second = receive(source, "R-PAIR-1"), receive(source, "R-PAIR-2")
    alone = receive(source, "R-PAIR-3", amount="12.00")
    found = batch_problems([first, second, alone])
    assert [len(messages) for messages in found] == [1, 1, 0]
    assert str(second) in found[0][0] and str(first) in found[1][0]


def test_another_revision_of_the_same_document_is_not_a_duplicate(source):
    first = receive(source, "R-REV")
    Document.objects.filter(pk=first.pk).update(state="posted")  # posted: revision 2 does not void it
    second = helpers.receive(source, helpers.report("R-REV", revision=2, lines=[helpers.line(
        "R-REV-1", amount="55.00", merchant="Chez Paul", date="2026-11-12")]))  # fmt: skip
    assert second.source_revision == 2 and problems(second) == []


def test_a_document_not_stored_yet_is_compared_with_every_line_of_its_keys(source):
    stored = receive(source, "R-STORED")
    unstored = Document(source_connector=stored.source_connector, object_type=stored.object_type,
                        source_id="R-NEW", source_revision=1, employee_email=stored.employee_email)  # fmt: skip
    doc = stored.canonical_document
    assert [len(found) for found in policies.duplicates_many([(unstored, doc)])] == [1]
