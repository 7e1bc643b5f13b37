"""POST /hooks/<slug>/: signature, tolerance, size, schema errors, repeated deliveries — never a 500."""

import json
import time
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import include, path

from apps.documents.models import Document
from apps.ledger.models import LedgerEntry
from apps.sync.models import WebhookDelivery
from tests.sync import helpers

urlpatterns = [path("hooks/", include("apps.sync.hook_urls"))]
pytestmark = [pytest.mark.urls("tests.sync.test_webhook"), pytest.mark.django_db]
URL = "/hooks/platform/"


@pytest.fixture
def source(entities, it_admin):
    return helpers.webhook_connector(it_admin, entities=list(entities.values()))


def post(body, headers):
    return Client().post(URL, data=body, content_type="application/json", **headers)


def test_signed_minimal_report_is_accepted_and_ledgered_before_the_answer(source, django_capture_on_commit_callbacks):
    body, headers = helpers.signed(helpers.report())
    with django_capture_on_commit_callbacks() as callbacks:
        answer = post(body, headers)
    assert answer.status_code == 202, answer.content
    document = Document.objects.get()
    assert document.idempotency_key == "platform:expense_report:R-1001:1"
    assert LedgerEntry.objects.filter(kind="document.received", source_id="R-1001").exists()
    assert len(callbacks) == 1  # processing is enqueued after commit, not before


def test_amounts_sent_as_json_numbers_keep_their_exact_cents(source):
    report = helpers.report()
    report["lines"][0]["amount"] = 42.1  # a JSON number, not a string
    body, headers = helpers.signed(report)
    assert post(body, headers).status_code == 202
    assert Document.objects.get().lines.get().amount == Decimal("42.10")


def test_same_webhook_delivered_three_times_creates_one_document(source):
    body, headers = helpers.signed(helpers.report(), msg_id="msg_same")
    answers = [post(body, headers).status_code for _ in range(3)]
    assert answers == [202, 200, 200]
    assert Document.objects.count() == 1 and WebhookDelivery.objects.count() == 1


@pytest.mark.parametrize("again", [b"not json", b'{"type": "expense_report"}', "another report"])
def test_a_repeated_webhook_id_is_a_duplicate_whatever_its_body_now_is(source, again):
    body, headers = helpers.signed(helpers.report(), msg_id="msg_same")
    assert post(body, headers).status_code == 202
    entries = LedgerEntry.objects.count()
    body, headers = helpers.signed(helpers.report("R-2002") if again == "another report" else again, msg_id="msg_same")
    answer = post(body, headers)
    assert (answer.status_code, answer.json()) == (200, {"status": "duplicate", "webhook_id": "msg_same"})
    assert Document.objects.count() == 1 and WebhookDelivery.objects.count() == 1
    assert LedgerEntry.objects.count() == entries  # nothing refused, nothing received: the whole store rolled back


def test_same_report_with_new_webhook_id_is_a_duplicate_document(source):
    for _ in range(2):
        body, headers = helpers.signed(helpers.report())
        answer = post(body, headers)
    assert answer.status_code == 200 and answer.json()["status"] == "duplicate"
    assert Document.objects.count() == 1


def test_wrong_secret_is_refused_with_401(source):
    body, headers = helpers.signed(helpers.report(), secret="whsec_" + "b3RoZXItc2VjcmV0LW5vdC1vdXJzLTAxMjM0NTY3OA==")
    assert post(body, headers).status_code == 401
    assert Document.objects.count() == 0


def test_timestamp_older_than_five_minutes_is_refused(source):
    body, headers = helpers.signed(helpers.report(), timestamp=time.time() - 301)
    answer = post(body, headers)
    assert answer.status_code == 401 and "seconds" in answer.json()["message"]


def test_tampered_body_is_refused(source):
    body, headers = helpers.signed(helpers.report())
    assert post(body.replace(b"42.50", b"4250.00"), headers).status_code == 401


def test_body_over_one_megabyte_is_refused_with_413(source):
    body, headers = helpers.signed(b"{" + b" " * (1024 * 1024 + 10) + b"}")
    assert post(body, headers).status_code == 413


def test_bad_json_gets_422_and_is_ledgered_as_refused(source):
    body, headers = helpers.signed(b"{not json")
    answer = post(body, headers)
    assert answer.status_code == 422
    assert LedgerEntry.objects.filter(kind="document.received", outcome="rejected").exists()


def test_schema_errors_name_the_fields(source):
    bad = helpers.report()
    bad["lines"][0]["amount"] = "forty"
    del bad["currency"]
    body, headers = helpers.signed(bad)
    answer = post(body, headers)
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert "lines[0].amount" in fields and Document.objects.count() == 0


def test_unknown_connector_is_404_and_get_is_405(source):
    body, headers = helpers.signed(helpers.report())
    assert Client().post("/hooks/nobody/", data=body, content_type="application/json", **headers).status_code == 404
    assert Client().get(URL).status_code == 405


def test_unknown_entity_is_a_field_error_not_a_500(source):
    body, headers = helpers.signed(helpers.report(entity="XX"))
    answer = post(body, headers)
    assert answer.status_code == 422 and json.loads(answer.content)["errors"][0]["field"] == "entity"
