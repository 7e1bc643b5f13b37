"""API: list with filters and keyset pagination, detail, actions with field errors, the engine message."""

import pytest

from apps.worklist import redrive
from apps.worklist.models import WorklistItem

pytestmark = pytest.mark.django_db


def test_list_pages_with_a_cursor_without_gaps_or_repeats(client_for, controller, make_item, monkeypatch):
    from apps.worklist.api import pagination

    monkeypatch.setattr(pagination, "PAGE_SIZE", 2)
    items = [make_item() for _ in range(5)]
    client, seen, url = client_for(controller), [], "/api/v1/worklist/items/"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == [i.pk for i in items]


def test_invalid_cursor_is_a_400(client_for, controller):
    assert client_for(controller).get("/api/v1/worklist/items/?cursor=zzz").status_code == 400


def test_filters_apply_to_the_api(client_for, controller, make_item):
    make_item(category="transport")
    tax = make_item(category="invalid_tax")
    rows = client_for(controller).get("/api/v1/worklist/items/?category=invalid_tax").json()["results"]
    assert [r["id"] for r in rows] == [tax.pk] and rows[0]["entity"] == "FR"


def test_bad_filter_is_a_field_error(client_for, controller):
    response = client_for(controller).get("/api/v1/worklist/items/?amount_min=lots")
    assert response.status_code == 400 and "amount_min" in response.json()["fields"]


def test_detail_includes_comments(client_for, controller, make_item):
    item = make_item()
    client = client_for(controller)
    client.post(f"/api/v1/worklist/items/{item.pk}/comment/", {"body": "On it."}, content_type="application/json")
    body = client.get(f"/api/v1/worklist/items/{item.pk}/").json()
    assert body["comments"][0]["body"] == "On it." and body["document"] == item.document.idempotency_key


def test_dismiss_without_note_is_a_400_and_changes_nothing(client_for, controller, make_item):
    item = make_item()
    response = client_for(controller).post(
        f"/api/v1/worklist/items/{item.pk}/dismiss/", {}, content_type="application/json"
    )
    assert response.status_code == 400 and "note" in response.json()["fields"]
    assert WorklistItem.objects.get(pk=item.pk).is_active


def test_retry_without_engine_is_a_409_with_a_clear_message(client_for, controller, make_item):
    response = client_for(controller).post(f"/api/v1/worklist/items/{make_item().pk}/retry/")
    assert response.status_code == 409 and "flow engine is not running yet" in response.json()["detail"]


def test_retry_with_engine_answers_its_message(client_for, controller, make_item):
    redrive.register_redriver(lambda item, *, actor, dry_run: redrive.RedriveResult(True, "Queued."))
    response = client_for(controller).post(f"/api/v1/worklist/items/{make_item().pk}/retry/")
    assert response.status_code == 200 and response.json()["message"] == "Queued."


def test_correct_with_json_body(client_for, controller, make_item):
    item = make_item(category="invalid_tax")
    response = client_for(controller).post(
        f"/api/v1/worklist/items/{item.pk}/correct/",
        {"tax_code": "FR-20", "retry": False},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["corrections"] == {"tax_code": "FR-20"}


def test_snooze_and_claim(client_for, controller, make_item):
    from datetime import timedelta

    from django.utils import timezone

    item = make_item()
    client = client_for(controller)
    assert client.post(f"/api/v1/worklist/items/{item.pk}/claim/").json()["assignee"] == "controller"
    until = (timezone.localdate() + timedelta(days=10)).isoformat()
    body = client.post(
        f"/api/v1/worklist/items/{item.pk}/snooze/", {"until": until}, content_type="application/json"
    ).json()
    assert body["status"] == "snoozed" and body["snoozed_until"].startswith(until)


def test_snoozing_too_far_is_a_field_error(client_for, controller, make_item):
    response = client_for(controller).post(
        f"/api/v1/worklist/items/{make_item().pk}/snooze/", {"until": "2999-01-01"}, content_type="application/json"
    )
    assert response.status_code == 400 and "until" in response.json()["fields"]


def test_bulk_create_answers_202(client_for, controller, make_item):
    make_item()
    response = client_for(controller).post(
        "/api/v1/worklist/bulk/",
        {"kind": "dismiss", "scope": "filter", "note": "withdrawn"},
        content_type="application/json",
    )
    assert response.status_code == 202 and response.json()["total"] == 1


def test_retry_declined_by_the_engine_is_a_400_with_its_reason(client_for, controller, make_item):
    redrive.register_redriver(lambda item, *, actor, dry_run: redrive.RedriveResult(False, "Already posted."))
    response = client_for(controller).post(f"/api/v1/worklist/items/{make_item().pk}/retry/")
    assert response.status_code == 400 and response.json()["detail"] == "Already posted."
