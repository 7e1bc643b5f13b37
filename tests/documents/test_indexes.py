"""The document tables carry no index another one covers and no pattern-matching index: every state change writes
a new entry in each index of documents_document (PostgreSQL cannot update in place when an indexed column such as
state changes), and every intake writes each of both tables' indexes."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

HOT_TABLES = ("documents_document", "documents_documentline")


def indexes(table: str) -> dict[str, dict]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {name: c for name, c in found.items() if (c["index"] or c["unique"] or c["primary_key"]) and c["columns"]}


@pytest.mark.parametrize("table", HOT_TABLES)
def test_no_index_is_the_leading_part_of_another(table):
    found = indexes(table)
    covered = [
        f"{name}{tuple(c['columns'])} is the leading part of {other}{tuple(o['columns'])}"
        for name, c in found.items()
        if not c["unique"]
        for other, o in found.items()
        if other != name and o["columns"][: len(c["columns"])] == c["columns"]
    ]
    assert not covered


@pytest.mark.parametrize("table", HOT_TABLES)
def test_no_pattern_matching_index(table):
    # Django adds one beside a unique=True or db_index=True text field on PostgreSQL (for LIKE 'x%'); none of our
    # queries uses one.
    assert not [name for name in indexes(table) if name.endswith("_like")]


def test_the_lookups_of_the_hot_path_still_have_their_index():
    doc, line = indexes("documents_document"), indexes("documents_documentline")
    leading = {tuple(c["columns"][:1]) for c in doc.values()} | {tuple(c["columns"]) for c in doc.values()}
    assert ("idempotency_key",) in leading
    assert any(c["columns"] == ["source_connector", "object_type", "entity_id"] for c in doc.values())  # received
    assert any(c["columns"] == ["match_key"] for c in line.values())
    assert any(
        c["unique"] and c["columns"][:3] == ["source_connector", "object_type", "source_id"] for c in doc.values()
    )
    assert any(c["unique"] and c["columns"] == ["idempotency_key"] for c in doc.values())
    assert any(c["columns"][:1] == ["document_id"] for c in line.values())
    assert any(c["columns"] == ["card_transaction_id"] for c in line.values())
