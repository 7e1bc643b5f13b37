"""Read-only ledger API: same filters and scope as the browser, cursor pagination, no writes at all."""

import pytest
from django.urls import reverse

from apps.ledger.models import LedgerEntry
from apps.ledger.operations import ledger_verify
from apps.ledger.services import ledger_append

pytestmark = pytest.mark.django_db
LIST = reverse("ledger-api:entry-list")


@pytest.fixture
def entries():
    made = [
        ledger_append(kind="k.fr", direction="inbound", entity="FR", payload={"i": i, "token": "t0ps3cret"})
        for i in range(7)
    ]
    made.append(ledger_append(kind="k.de", direction="inbound", entity="DE"))
    return made


def test_list_is_newest_first_with_cursor_pages(client_for, auditor, entries):
    client = client_for(auditor)
    first = client.get(LIST, {"page_size": 5}).json()
    assert [e["sequence"] for e in first["results"]] == [8, 7, 6, 5, 4]
    second = client.get(first["next"]).json()
    assert [e["sequence"] for e in second["results"]] == [3, 2, 1] and second["next"] is None


def test_list_takes_the_browser_filters(client_for, auditor, entries):
    body = client_for(auditor).get(LIST, {"entity": "DE"}).json()
    assert [e["kind"] for e in body["results"]] == ["k.de"]


def test_invalid_filter_is_a_400_with_field_errors(client_for, auditor, entries):
    response = client_for(auditor).get(LIST, {"direction": "sideways"})
    assert response.status_code == 400 and "direction" in response.json()["error"]["fields"]


def test_detail_carries_the_redacted_payload(client_for, auditor, entries):
    body = client_for(auditor).get(reverse("ledger-api:entry-detail", args=[2])).json()
    assert body["payload"] == {"i": 1, "token": "[redacted]"} and body["hash"] == entries[1].hash


def test_controller_sees_only_their_entities_and_gets_404_elsewhere(client_for, controller, entries):
    client = client_for(controller)
    assert {e["entity"] for e in client.get(LIST).json()["results"]} == {"FR"}
    assert client.get(reverse("ledger-api:entry-detail", args=[8])).status_code == 404


def test_verification_status_endpoint(client_for, auditor, entries):
    assert client_for(auditor).get(reverse("ledger-api:verification")).json()["verified"] is False
    ledger_verify()
    body = client_for(auditor).get(reverse("ledger-api:verification")).json()
    assert body["result"]["ok"] is True and body["result"]["head_sequence"] == 8


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_nobody_can_write_through_the_api(client_for, auditor, superuser, entries, method):
    for user in (auditor, superuser):
        client = client_for(user)
        for url in (LIST, reverse("ledger-api:entry-detail", args=[1])):
            response = getattr(client, method)(url, {"kind": "forged"}, content_type="application/json")
            assert response.status_code in (403, 405)
    assert LedgerEntry.objects.get(sequence=1).kind == "k.fr"
