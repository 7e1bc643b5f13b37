"""Scope: controllers see only their entities, IT sees technical items, auditors see all and change nothing."""

import pytest
from django.urls import reverse

from apps.worklist import selectors
from apps.worklist.models import WorklistStatus

pytestmark = pytest.mark.django_db

ACTIONS = [
    "assign",
    "claim",
    "comment",
    "tag",
    "retry",
    "correct",
    "duplicate",
    "dismiss",
    "snooze",
    "resolve",
    "replay",
]


@pytest.fixture
def fr_item(make_item):
    return make_item(entity="FR", message="FR-ONLY employee mapping missing")


@pytest.fixture
def de_item(make_item):
    return make_item(entity="DE", message="DE-ONLY employee mapping missing")


def test_de_controller_never_sees_fr_items_in_the_list(client_for, controller_de, fr_item, de_item):
    page = client_for(controller_de).get(reverse("worklist:index")).content.decode()
    assert "DE-ONLY" in page and "FR-ONLY" not in page


def test_de_controller_gets_404_on_an_fr_item_page(client_for, controller_de, fr_item):
    assert client_for(controller_de).get(reverse("worklist:item", args=[fr_item.pk])).status_code == 404


def test_de_controller_never_sees_fr_items_in_the_api(client_for, controller_de, fr_item, de_item):
    client = client_for(controller_de)
    ids = [row["id"] for row in client.get("/api/v1/worklist/items/").json()["results"]]
    assert ids == [de_item.pk]
    assert client.get(f"/api/v1/worklist/items/{fr_item.pk}/").status_code == 404
    counts = client.get("/api/v1/worklist/counts/").json()
    assert counts["by_entity"] == {"DE": 1}


def test_de_controller_filtering_by_fr_sees_nothing(client_for, controller_de, fr_item):
    assert client_for(controller_de).get("/api/v1/worklist/items/?entity=FR").json()["results"] == []


@pytest.mark.parametrize("action", ACTIONS)
def test_de_controller_cannot_act_on_fr_items_in_the_api(action, client_for, controller_de, fr_item):
    response = client_for(controller_de).post(f"/api/v1/worklist/items/{fr_item.pk}/{action}/", {"note": "x"})
    assert response.status_code == 404


def test_de_controller_bulk_by_filter_never_reaches_fr_items(client_for, controller_de, fr_item, de_item):
    response = client_for(controller_de).post(
        "/api/v1/worklist/bulk/", {"kind": "dismiss", "scope": "selected", "ids": [fr_item.pk], "note": "x"}
    )
    assert response.status_code == 400
    fr_item.refresh_from_db()
    assert fr_item.is_active


def test_auditor_sees_every_entity(client_for, auditor, fr_item, de_item):
    ids = {row["id"] for row in client_for(auditor).get("/api/v1/worklist/items/").json()["results"]}
    assert ids == {fr_item.pk, de_item.pk}
    assert client_for(auditor).get(reverse("worklist:item", args=[fr_item.pk])).status_code == 200


@pytest.mark.parametrize("action", ACTIONS)
def test_auditor_is_refused_every_action_in_the_api(action, client_for, auditor, fr_item):
    response = client_for(auditor).post(f"/api/v1/worklist/items/{fr_item.pk}/{action}/", {"note": "x"})
    assert response.status_code == 403
    fr_item.refresh_from_db()
    assert fr_item.is_active and fr_item.comments.count() == 0


@pytest.mark.parametrize("action", ACTIONS)
def test_auditor_is_refused_every_action_in_the_ui(action, client_for, auditor, fr_item):
    response = client_for(auditor).post(reverse(f"worklist:{action}", args=[fr_item.pk]), {"note": "x", "body": "x"})
    assert response.status_code == 403


def test_auditor_cannot_run_bulk_actions(client_for, auditor, fr_item):
    response = client_for(auditor).post("/api/v1/worklist/bulk/", {"kind": "dismiss", "scope": "filter", "note": "x"})
    assert response.status_code == 403


def test_auditor_item_page_offers_no_action(client_for, auditor, fr_item):
    page = client_for(auditor).get(reverse("worklist:item", args=[fr_item.pk])).content.decode()
    assert reverse("worklist:dismiss", args=[fr_item.pk]) not in page


def test_it_sees_only_technical_items(make_item, it_admin):
    transport = make_item(entity="DE", category="transport")
    make_item(entity="FR", category="mapping_missing")
    visible = list(selectors.worklist_items_visible(it_admin))
    assert visible == [transport]


def test_it_gets_404_on_a_finance_item(client_for, it_admin, fr_item):
    assert client_for(it_admin).get(f"/api/v1/worklist/items/{fr_item.pk}/").status_code == 404


@pytest.mark.parametrize("url", ["/worklist/", "/api/v1/worklist/items/", "/api/v1/worklist/counts/"])
def test_outsiders_are_refused(url, client_for, outsider):
    assert client_for(outsider).get(url).status_code == 403


def test_anonymous_is_sent_to_login(client_for):
    response = client_for(None).get("/worklist/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_status_unchanged_after_refusals(fr_item):
    fr_item.refresh_from_db()
    assert fr_item.status in (WorklistStatus.OPEN, WorklistStatus.ASSIGNED)
