"""API twins of the worklist pages beside the items: saved filters, runbooks, the close calendar — same services,
same permissions as the pages (apps/worklist/views/misc.py)."""

from datetime import date

import pytest
from django.test import Client
from django.urls import get_resolver

from apps.access.tokens import api_token_create
from apps.ledger.models import LedgerEntry
from apps.worklist.models import ClosePeriod, SavedFilter, WorklistCategory, WorklistItem

pytestmark = pytest.mark.django_db

FILTERS, CALENDAR = "/api/v1/worklist/filters/", "/api/v1/worklist/close-calendar/"
JSON = "application/json"

# Every worklist page or form and the API endpoint that does the same (None: nothing to twin).
TWINS = {
    "index": "item-list",
    "item": "item-detail",
    **{name: f"item-{name}" for name in ("assign", "claim", "comment", "tag", "retry", "correct", "duplicate")},
    **{name: f"item-{name}" for name in ("dismiss", "snooze", "resolve", "replay")},
    "bulk": "bulk-create",
    "bulk-detail": "bulk-detail",
    "filter-save": "filter-list",
    "filter-delete": "filter-detail",
    "runbook": "runbook-detail",
    "calendar": "close-calendar",
    "calendar-save": "close-calendar",
}


def test_every_worklist_page_has_an_api_twin():
    pages = {p.name for p in get_resolver("apps.worklist.urls").url_patterns}
    apis = {p.name for p in get_resolver("apps.worklist.api.urls").url_patterns}
    assert pages == set(TWINS), f"say which API endpoint twins these pages: {sorted(pages ^ set(TWINS))}"
    assert set(TWINS.values()) <= apis, sorted(set(TWINS.values()) - apis)


# --- saved filters -----------------------------------------------------------------------------------------


def test_controller_saves_lists_replaces_and_deletes_own_filters(client_for, controller):
    client = client_for(controller)
    saved = client.post(FILTERS, {"name": " Overdue FR ", "query": "?due=overdue"}, content_type=JSON)
    assert saved.status_code == 200, saved.content
    body = saved.json()
    assert body["name"] == "Overdue FR" and body["query"] == "due=overdue"  # the service's clean-up
    again = client.post(FILTERS, {"name": "Overdue FR", "query": "due=overdue&entity=FR"}, content_type=JSON)
    assert again.json()["id"] == body["id"] and SavedFilter.objects.filter(owner=controller).count() == 1
    listed = client.get(FILTERS).json()
    assert [(r["name"], r["query"]) for r in listed["results"]] == [("Overdue FR", "due=overdue&entity=FR")]
    assert client.get(f"{FILTERS}{body['id']}/").json()["query"] == "due=overdue&entity=FR"
    assert client.delete(f"{FILTERS}{body['id']}/").status_code == 204
    assert not SavedFilter.objects.filter(pk=body["id"]).exists()
    assert client.delete(f"{FILTERS}{body['id']}/").status_code == 404


def test_filters_are_private_someone_elses_is_not_found(client_for, controller, controller_de, auditor):
    mine = SavedFilter.objects.create(owner=controller, name="Mine", query="category=transport")
    for other in (controller_de, auditor):
        client = client_for(other)
        assert client.get(FILTERS).json()["results"] == []
        assert client.get(f"{FILTERS}{mine.pk}/").status_code == 404
        assert client.delete(f"{FILTERS}{mine.pk}/").status_code == 404
    assert SavedFilter.objects.filter(pk=mine.pk).exists()


def test_auditor_keeps_own_filters_like_on_the_page(client_for, auditor):
    # A preference, not business data: the page lets auditors save filters, so does the API.
    response = client_for(auditor).post(FILTERS, {"name": "All FR", "query": "entity=FR"}, content_type=JSON)
    assert response.status_code == 200 and SavedFilter.objects.get(owner=auditor).name == "All FR"


def test_invalid_filters_are_field_errors_and_store_nothing(client_for, controller, monkeypatch):
    client = client_for(controller)
    blank = client.post(FILTERS, {"name": "", "query": "due=overdue"}, content_type=JSON)
    assert blank.status_code == 400 and "name" in blank.json()["error"]["fields"]
    long = client.post(FILTERS, {"name": "x", "query": "q=" + "a" * 2000}, content_type=JSON)
    assert long.status_code == 400 and "query" in long.json()["error"]["fields"]
    from apps.worklist.services import filters

    monkeypatch.setattr(filters, "MAX_PER_USER", 1)
    assert client.post(FILTERS, {"name": "one"}, content_type=JSON).status_code == 200
    full = client.post(FILTERS, {"name": "two"}, content_type=JSON)
    assert full.status_code == 400 and "delete one first" in full.json()["error"]["message"]
    assert list(SavedFilter.objects.values_list("name", flat=True)) == ["one"]


def test_filters_are_refused_without_a_worklist_role(client_for, outsider):
    client = client_for(outsider)
    assert client.get(FILTERS).status_code == 403
    assert client.post(FILTERS, {"name": "x"}, content_type=JSON).status_code == 403
    assert not SavedFilter.objects.exists()
    assert Client().get(FILTERS).status_code == 401


def test_a_read_only_token_lists_filters_but_cannot_save_or_delete(controller):
    mine = SavedFilter.objects.create(owner=controller, name="Mine", query="")
    issued = api_token_create(actor=controller, name="reader", read_only=True)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert [r["name"] for r in client.get(FILTERS).json()["results"]] == ["Mine"]
    assert client.post(FILTERS, {"name": "new"}, content_type=JSON).status_code == 403
    assert client.delete(f"{FILTERS}{mine.pk}/").status_code == 403
    assert list(SavedFilter.objects.values_list("name", flat=True)) == ["Mine"]


# --- runbooks ----------------------------------------------------------------------------------------------


def test_runbooks_are_listed_and_served_as_markdown_and_escaped_html(client_for, auditor):
    client = client_for(auditor)
    listed = client.get("/api/v1/worklist/runbooks/").json()
    assert {row["category"] for row in listed} == set(WorklistCategory.values)
    body = client.get("/api/v1/worklist/runbooks/closed_period/").json()
    assert body["label"] == WorklistCategory.CLOSED_PERIOD.label and body["markdown"].startswith("#")
    assert body["html"].startswith("<h2>") and "<script" not in body["html"]


def test_a_runbook_renders_like_the_page(client_for, controller, tmp_path, settings):
    (tmp_path / "docs" / "runbooks").mkdir(parents=True)
    (tmp_path / "docs" / "runbooks" / "transport.md").write_text("# Retry <b>\n\n- wait `5 min`\n")
    settings.BASE_DIR = tmp_path
    body = client_for(controller).get("/api/v1/worklist/runbooks/transport/").json()
    assert body["html"] == "<h2>Retry &lt;b&gt;</h2>\n<ul>\n<li>wait <code>5 min</code></li>\n</ul>"
    listed = client_for(controller).get("/api/v1/worklist/runbooks/").json()
    assert [row["category"] for row in listed] == ["transport"]  # only categories that have a file


def test_unknown_runbooks_are_404_and_outsiders_403(client_for, controller, outsider):
    client = client_for(controller)
    assert client.get("/api/v1/worklist/runbooks/nope/").status_code == 404
    assert client.get("/api/v1/worklist/runbooks/..%2Fsettings/").status_code == 404
    assert client_for(outsider).get("/api/v1/worklist/runbooks/transport/").status_code == 403


# --- close calendar ----------------------------------------------------------------------------------------


def period_body(entity="FR", period_end="2030-01-31", close_deadline="2030-02-05") -> dict:
    return {"entity": entity, "period_end": period_end, "close_deadline": close_deadline}


def test_controller_saves_the_calendar_of_an_own_entity_and_items_follow(client_for, controller, make_item):
    item = make_item(entity="FR")
    deadline = date.today().replace(year=date.today().year + 1)
    body = period_body("fr", period_end=deadline.isoformat(), close_deadline=deadline.isoformat())
    response = client_for(controller).post(CALENDAR, body, content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": ClosePeriod.objects.get().pk,
        "entity": "FR",
        "period_end": deadline.isoformat(),
        "close_deadline": deadline.isoformat(),
    }
    assert WorklistItem.objects.get(pk=item.pk).due_date == deadline
    assert LedgerEntry.objects.filter(kind="worklist_close_period.saved", actor_name="controller").count() == 1
    moved = client_for(controller).post(CALENDAR, period_body(close_deadline="2030-02-07"), content_type=JSON)
    assert moved.status_code == 200 and ClosePeriod.objects.get(period_end="2030-01-31").close_deadline == date(
        2030, 2, 7
    )


def test_the_calendar_lists_only_the_callers_entities(client_for, controller, auditor, it_admin, entities):
    ClosePeriod.objects.create(entity=entities["FR"], period_end="2030-01-31", close_deadline="2030-02-05")
    ClosePeriod.objects.create(entity=entities["DE"], period_end="2030-01-31", close_deadline="2030-02-06")
    ClosePeriod.objects.create(entity=entities["FR"], period_end="2030-02-28", close_deadline="2030-03-05")

    def listed(client, query=""):
        return [(r["entity"], r["period_end"]) for r in client.get(CALENDAR + query).json()["results"]]

    assert listed(client_for(controller)) == [("FR", "2030-02-28"), ("FR", "2030-01-31")]
    assert listed(client_for(controller), "?entity=DE") == []
    assert listed(client_for(auditor), "?entity=DE") == [("DE", "2030-01-31")]
    assert len(listed(client_for(auditor))) == 3
    assert listed(client_for(auditor), "?ordering=close_deadline")[0] == ("FR", "2030-01-31")
    assert client_for(auditor).get(CALENDAR + "?ordering=entity").status_code == 400
    assert client_for(it_admin).get(CALENDAR).status_code == 200  # IT may view the page; it holds no entity


def test_another_entitys_controller_auditor_and_it_cannot_save(client_for, controller_de, auditor, it_admin):
    before = LedgerEntry.objects.count()
    for user in (controller_de, auditor, it_admin):
        response = client_for(user).post(CALENDAR, period_body("FR"), content_type=JSON)
        assert response.status_code == 403, (user.username, response.status_code)
    assert not ClosePeriod.objects.exists() and LedgerEntry.objects.count() == before
    assert client_for(controller_de).post(CALENDAR, period_body("DE"), content_type=JSON).status_code == 200


def test_bad_calendar_input_is_a_field_error_and_stores_nothing(client_for, controller):
    client = client_for(controller)
    cases = {
        "close_deadline": period_body(close_deadline="2030-01-30"),  # before the period end
        "period_end": period_body(period_end="31/01/2030"),
        "entity": period_body(entity="XX"),
    }
    for field, body in cases.items():
        response = client.post(CALENDAR, body, content_type=JSON)
        assert response.status_code == 400 and field in response.json()["error"]["fields"], (field, response.content)
    assert not ClosePeriod.objects.exists()


# --- bodies the forms were not made for: a 400 naming the problem, never a 500 ------------------------------


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "3"])
def test_a_body_that_is_not_an_object_is_a_400(client_for, controller, make_item, body):
    client = client_for(controller)
    for url in (FILTERS, CALENDAR, f"/api/v1/worklist/items/{make_item().pk}/comment/", "/api/v1/worklist/bulk/"):
        response = client.post(url, body, content_type=JSON)
        assert response.status_code == 400, (url, response.status_code)
        assert response.json()["error"]["code"] == "invalid"
    assert not SavedFilter.objects.exists() and not ClosePeriod.objects.exists()


def test_lists_and_objects_where_one_value_is_expected_are_field_errors(client_for, controller, make_item):
    client = client_for(controller)
    response = client.post(FILTERS, {"name": ["a", "b"]}, content_type=JSON)
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"name"}
    response = client.post(CALENDAR, {**period_body(), "entity": {"code": "FR"}, "period_end": 5}, content_type=JSON)
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) >= {"entity"}
    item = make_item()
    comment = client.post(f"/api/v1/worklist/items/{item.pk}/comment/", {"body": {"x": 1}}, content_type=JSON)
    assert comment.status_code == 400 and "body" in comment.json()["error"]["fields"]
    assert not SavedFilter.objects.exists() and not ClosePeriod.objects.exists() and not item.comments.exists()


def test_numbers_where_text_is_expected_are_read_as_text(client_for, controller):
    response = client_for(controller).post(FILTERS, {"name": 2030, "query": ""}, content_type=JSON)
    assert response.status_code == 200 and response.json()["name"] == "2030"
