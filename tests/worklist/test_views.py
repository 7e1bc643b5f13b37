"""Pages: the list with counts, filters and sorting; the item page; runbooks; saved filters; the calendar."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.ledger.models import LedgerEntry
from apps.ledger.services import ledger_append
from apps.worklist import redrive, runbooks
from apps.worklist.models import ClosePeriod, SavedFilter, WorklistCategory, WorklistItem

pytestmark = pytest.mark.django_db


def rows(response) -> list[int]:
    import re

    return [int(pk) for pk in re.findall(r'data-item="(\d+)"', response.content.decode())]


def test_list_shows_counts_per_category_and_entity(client_for, controller, make_item):
    make_item(category="transport")
    make_item(category="transport")
    make_item(category="invalid_tax")
    page = client_for(controller).get(reverse("worklist:index")).content.decode()
    assert 'data-testid="count-total">3<' in page
    assert "Transport failure 2" in page and "Invalid tax 1" in page and "FR 3" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=transport", ["transport"]),
        ("q=needle", ["invalid_tax"]),
        ("amount_min=100&amount_max=200", ["invalid_tax"]),
        ("due=overdue", ["transport"]),
        ("assignee=me", ["transport", "invalid_tax"]),
        ("status=resolved", []),
    ],
)
def test_filters_narrow_the_list(query, expected, client_for, controller, make_item, make_document):
    transport = make_item(category="transport", document=make_document(total="10"))
    make_item(category="invalid_tax", message="the needle", document=make_document(total="150"))
    WorklistItem.objects.filter(pk=transport.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    listed = rows(client_for(controller).get(f"{reverse('worklist:index')}?{query}"))
    assert sorted(WorklistItem.objects.get(pk=pk).category for pk in listed) == sorted(expected)


def test_invalid_filter_values_are_reported_not_a_500(client_for, controller):
    response = client_for(controller).get(f"{reverse('worklist:index')}?amount_min=abc&age_min=-1&sort=zzz")
    assert response.status_code == 200 and "form-error" in response.content.decode()


def test_sort_by_newest(client_for, controller, make_item):
    first, second = make_item(), make_item()
    assert rows(client_for(controller).get(f"{reverse('worklist:index')}?sort=-created")) == [second.pk, first.pk]


def test_overdue_items_stand_out(client_for, controller, make_item):
    item = make_item()
    WorklistItem.objects.filter(pk=item.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    page = client_for(controller).get(reverse("worklist:index")).content.decode()
    assert "overdue 2 d" in page


def test_paging_keeps_the_filter(client_for, controller, make_item, monkeypatch):
    from apps.worklist.views import listing

    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    for _ in range(3):
        make_item(category="transport")
    client = client_for(controller)
    first = client.get(f"{reverse('worklist:index')}?category=transport")
    assert len(rows(first)) == 2 and "category=transport&amp;page=2" in first.content.decode()
    assert len(rows(client.get(f"{reverse('worklist:index')}?category=transport&page=2"))) == 1


def test_item_page_shows_failure_document_lineage_fix_and_history(client_for, controller, make_item, make_document):
    document = make_document()
    document.lines.create(
        position=1,
        line_id="L1",
        date=timezone.localdate(),
        amount=10,
        currency="EUR",
        category="Meals",
        merchant="Chez Paul",
        payment_mode="employee",
    )
    ledger_append(kind="expense_report.received", direction="inbound", document=document.idempotency_key)
    item = make_item(category="rejected_by_odoo", document=document, detail="ValidationError: <script>x</script>")
    page = client_for(controller).get(reverse("worklist:item", args=[item.pk])).content.decode()
    assert "Chez Paul" in page and "expense_report.received" in page and "worklist_item.open" in page
    assert "Odoo refused the document" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page


def test_retry_in_the_ui_says_the_flow_engine_is_not_running(client_for, controller, make_item):
    item = make_item()
    response = client_for(controller).post(reverse("worklist:retry", args=[item.pk]), follow=True)
    assert "flow engine is not running yet" in response.content.decode()


def test_retry_in_the_ui_reports_the_engine_answer(client_for, controller, make_item):
    redrive.register_redriver(lambda item, *, actor, dry_run: redrive.RedriveResult(True, "Queued from map."))
    response = client_for(controller).post(reverse("worklist:retry", args=[make_item().pk]), follow=True)
    assert "Queued from map." in response.content.decode()


def test_dismiss_without_note_in_the_ui_changes_nothing(client_for, controller, make_item):
    item = make_item()
    response = client_for(controller).post(reverse("worklist:dismiss", args=[item.pk]), {"note": ""}, follow=True)
    item.refresh_from_db()
    assert item.is_active and "Nothing was changed" in response.content.decode()


def test_choose_posting_date_for_a_closed_period_item(client_for, controller, make_item):
    item = make_item(category="closed_period")
    date = timezone.localdate().isoformat()
    client_for(controller).post(reverse("worklist:correct", args=[item.pk]), {"posting_date": date, "retry": "on"})
    item.refresh_from_db()
    assert item.corrections == {"posting_date": date}


def test_dismiss_duplicate_in_the_ui(client_for, controller, make_item):
    original, duplicate = make_item(), make_item()
    client_for(controller).post(
        reverse("worklist:duplicate", args=[duplicate.pk]), {"original_item": original.pk, "note": "Same report."}
    )
    duplicate.refresh_from_db()
    assert duplicate.resolution == "duplicate" and duplicate.duplicate_of == original


def test_saved_filters_belong_to_their_owner(client_for, controller, controller_de):
    client_for(controller).post(reverse("worklist:filter-save"), {"name": "Tax", "query": "category=invalid_tax"})
    saved = SavedFilter.objects.get()
    assert saved.owner == controller
    assert "Tax" not in client_for(controller_de).get(reverse("worklist:index")).content.decode()
    assert client_for(controller_de).post(reverse("worklist:filter-delete", args=[saved.pk])).status_code == 404
    assert "category=invalid_tax" in client_for(controller).get(reverse("worklist:index")).content.decode()


def test_every_category_has_a_runbook():
    missing = [c for c in WorklistCategory.values if runbooks.runbook_text(c) is None]
    assert not missing


def test_runbook_page_renders_markdown_and_links_back(client_for, controller):
    page = client_for(controller).get(reverse("worklist:runbook", args=["closed_period"])).content.decode()
    assert "<h2>" in page and "<li>" in page and "?category=closed_period" in page


def test_runbook_rendering_escapes_html():
    html = runbooks.render("# Title <b>\n\nText <script>alert(1)</script> **bold** `x<y`\n\n- item <i>")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>bold</strong>" in html and "<code>x&lt;y</code>" in html and "<li>item &lt;i&gt;</li>" in html


def test_unknown_runbook_is_404(client_for, controller):
    assert client_for(controller).get("/worklist/runbooks/..%2Fsettings/").status_code == 404
    assert client_for(controller).get(reverse("worklist:runbook", args=["nope"])).status_code == 404


def test_controller_saves_the_close_calendar_of_an_own_entity(client_for, controller):
    client_for(controller).post(
        reverse("worklist:calendar-save"), {"entity": "FR", "period_end": "2030-01-31", "close_deadline": "2030-02-05"}
    )
    assert ClosePeriod.objects.get().entity.code == "FR"
    page = client_for(controller).get(reverse("worklist:calendar")).content.decode()
    assert "2030-02-05" in page


def test_controller_cannot_save_another_entity_calendar(client_for, controller):
    client_for(controller).post(
        reverse("worklist:calendar-save"), {"entity": "DE", "period_end": "2030-01-31", "close_deadline": "2030-02-05"}
    )
    assert not ClosePeriod.objects.exists()


def test_item_page_audit_history_counts(client_for, controller, make_item):
    item = make_item()
    client_for(controller).post(reverse("worklist:comment", args=[item.pk]), {"body": "Called Jane."})
    assert LedgerEntry.objects.filter(target_id=str(item.pk), kind="worklist_item.comment").exists()
    page = client_for(controller).get(reverse("worklist:item", args=[item.pk])).content.decode()
    assert "Called Jane." in page


def test_counts_are_cached_per_scope_and_refreshed_after_a_change(settings, controller, make_item):
    from django.core.cache import cache

    from apps.worklist import selectors

    cache.clear()
    settings.WORKLIST_COUNTS_TTL = 60
    item = make_item()
    assert selectors.worklist_counts(user=controller).total == 1
    make_item()  # opened in this (test) transaction: on_commit never fires, so the cached figure stays
    assert selectors.worklist_counts(user=controller).total == 1
    selectors.worklist_counts_changed()
    assert selectors.worklist_counts(user=controller).total == 2
    assert item.pk
