"""Routing of new items and ageing against the close calendar."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from apps.access.services import user_ensure
from apps.worklist import calendar, routing, selectors, services
from apps.worklist.errors import WorklistError
from apps.worklist.models import ClosePeriod, WorklistStatus

pytestmark = pytest.mark.django_db


def test_a_single_controller_of_the_entity_becomes_the_assignee(make_item, controller):
    item = make_item()
    assert item.assignee == controller and item.status == WorklistStatus.ASSIGNED
    assert item.routed_via == "FR finance controllers"


def test_several_controllers_share_the_item_until_one_claims_it(make_item, controller, entities):
    second = user_ensure(
        reason="test fixture",
        username="controller2",
        password="x" * 12,
        role="finance_controller",
        entities=[entities["FR"]],
    )
    item = make_item()
    assert item.assignee is None and item.status == WorklistStatus.OPEN
    assert set(item.routed_to.all()) == {controller, second}


def test_auditors_are_never_routed_anything(make_item, auditor):
    item = make_item()
    assert auditor not in item.routed_to.all() and item.assignee != auditor


def test_a_registered_owner_resolver_wins_over_the_fallback(make_item, controller, it_admin):
    def owner_of_flow(item):
        return [it_admin] if item.flow == "expensify-to-odoo" else None

    owner_of_flow.route_label = "owner of flow expensify-to-odoo"
    routing.register_owner_resolver(owner_of_flow)
    item = make_item()
    assert item.assignee == it_admin and item.routed_via == "owner of flow expensify-to-odoo"


def test_technical_items_without_entity_go_to_it(it_admin):
    item = services.worklist_item_open(
        category="credential_expiring",
        subject_key="credential:odoo-prod",
        message="The Odoo API key expires in 7 days.",
    )
    assert item.assignee == it_admin


def test_due_date_is_the_entity_next_close_deadline(make_item, entities):
    today = timezone.localdate()
    ClosePeriod.objects.create(
        entity=entities["FR"], period_end=today - timedelta(days=40), close_deadline=today - timedelta(days=35)
    )
    ClosePeriod.objects.create(entity=entities["FR"], period_end=today, close_deadline=today + timedelta(days=4))
    assert make_item().due_date == today + timedelta(days=4)


def test_without_a_calendar_items_are_due_a_few_days_after_opening(make_item, settings):
    settings.WORKLIST_DEFAULT_DUE_DAYS = 3
    assert make_item().due_date == timezone.localdate() + timedelta(days=3)


def test_ageing_flags():
    today = date(2030, 1, 10)
    assert calendar.ageing_flag(date(2030, 1, 9), on=today) == "overdue"
    assert calendar.ageing_flag(date(2030, 1, 11), on=today) == "at_risk"
    assert calendar.ageing_flag(date(2030, 1, 20), on=today) == ""


def test_items_are_listed_by_days_left_to_close(make_item, controller):
    late, early, middle = make_item(), make_item(), make_item()
    today = timezone.localdate()
    for item, days in ((late, 9), (early, -2), (middle, 3)):
        type(item).objects.filter(pk=item.pk).update(due_date=today + timedelta(days=days))
    listed = list(selectors.worklist_item_list(user=controller, filters=selectors.WorklistFilter()))
    assert [i.pk for i in listed] == [early.pk, middle.pk, late.pk]


def test_saving_the_calendar_redates_open_items_and_is_audited(make_item, controller, entities):
    item = make_item()
    deadline = timezone.localdate() + timedelta(days=8)
    services.close_period_save(
        entity=entities["FR"], period_end=timezone.localdate(), close_deadline=deadline, actor=controller
    )
    item.refresh_from_db()
    assert item.due_date == deadline
    from apps.ledger.models import LedgerEntry

    assert LedgerEntry.objects.filter(kind="worklist_close_period.saved").count() == 1


def test_a_deadline_before_the_period_end_is_refused(controller, entities):
    with pytest.raises(WorklistError):
        services.close_period_save(
            entity=entities["FR"], period_end=date(2030, 1, 31), close_deadline=date(2030, 1, 1), actor=controller
        )


def test_a_controller_cannot_change_another_entity_calendar(controller, entities):
    from apps.access.permissions import AccessDenied

    with pytest.raises(AccessDenied):
        services.close_period_save(
            entity=entities["DE"], period_end=date(2030, 1, 31), close_deadline=date(2030, 2, 5), actor=controller
        )


def test_my_items_include_shared_ones_once_each(make_item, controller, entities):
    user_ensure(
        reason="test fixture",
        username="controller2",
        password="x" * 12,
        role="finance_controller",
        entities=[entities["FR"]],
    )
    shared, claimed = make_item(), make_item()
    services.worklist_item_claim(item=claimed, actor=controller)
    mine = list(selectors.worklist_item_list(user=controller, filters=selectors.WorklistFilter(assignee="me")))
    assert sorted(i.pk for i in mine) == sorted([shared.pk, claimed.pk])
