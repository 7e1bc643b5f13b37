"""The published JSON Schema and the validator agree: what one accepts, the other accepts."""

import json

import pytest
from jsonschema import Draft202012Validator

from apps.documents.codec import to_json
from apps.documents.errors import SchemaError
from apps.documents.normalize import normalize_canonical
from apps.documents.schema import CANONICAL_SCHEMA
from tests.documents.examples import card_transaction, line_of, minimal_report, rich_report

VALIDATOR = Draft202012Validator(CANONICAL_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)

GOOD = {
    "minimal report": minimal_report,
    "card transaction": card_transaction,
    "rich report": rich_report,
    "card transaction with one line": lambda: to_json(normalize_canonical(card_transaction())),
}
BAD = {
    "unknown top-level field": lambda: minimal_report(colour="red"),
    "unknown line field": lambda: line_of(minimal_report(), colour="red"),
    "lowercase entity": lambda: minimal_report(entity="fr"),
    "amount with a comma": lambda: line_of(minimal_report(), amount="42,50"),
    "missing category": lambda: line_of(minimal_report(), category=None),
    "no lines": lambda: minimal_report(lines=[]),
    "employee without email or id": lambda: minimal_report(employee={"name": "X"}),
    "payment not employee/company": lambda: line_of(minimal_report(), payment="cash"),
    "card transaction with flat fields and lines": lambda: card_transaction(lines=minimal_report()["lines"]),
    "card last4 not digits": lambda: card_transaction(card_last4="42a2"),
    "revision zero": lambda: minimal_report(revision=0),
}


def test_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(CANONICAL_SCHEMA)
    assert CANONICAL_SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("name", sorted(GOOD))
def test_examples_the_validator_accepts_are_valid_against_the_schema(name):
    data = GOOD[name]()
    normalize_canonical(data)
    assert list(VALIDATOR.iter_errors(data)) == []


@pytest.mark.parametrize("name", sorted(BAD))
def test_inputs_the_validator_refuses_are_invalid_against_the_schema(name):
    data = BAD[name]()
    with pytest.raises(SchemaError):
        normalize_canonical(data)
    assert list(VALIDATOR.iter_errors(data)) != []


def test_schema_is_served_as_json(client):
    from django.test import RequestFactory

    from apps.documents.views import canonical_document_schema

    response = canonical_document_schema(RequestFactory().get("/api/v1/schemas/canonical-document.json"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/schema+json")
    assert json.loads(response.content) == json.loads(json.dumps(CANONICAL_SCHEMA))
