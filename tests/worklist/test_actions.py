"""Every action: what it changes, that it is audited in the ledger, and what it refuses."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.access.permissions import AccessDenied
from apps.ledger.models import LedgerEntry
from apps.worklist import services
from apps.worklist.errors import WorklistError
from apps.worklist.models import WorklistStatus

pytestmark = pytest.mark.django_db


def audit_kinds(item) -> list[str]:
    entries = LedgerEntry.objects.filter(target_model="worklist.worklistitem", target_id=str(item.pk))
    return list(entries.order_by("sequence").values_list("kind", flat=True))


def last_audit(item) -> LedgerEntry:
    return LedgerEntry.objects.filter(target_model="worklist.worklistitem", target_id=str(item.pk)).first()


def test_claim_assigns_the_item_to_the_actor_and_is_audited(make_item, controller):
    item = services.worklist_item_claim(item=make_item(), actor=controller)
    assert item.assignee == controller and item.status == WorklistStatus.ASSIGNED
    entry = last_audit(item)
    assert (entry.kind, entry.actor_name, entry.direction) == ("worklist_item.assign", "controller", "audit")


def test_assigning_to_someone_outside_the_entity_is_refused(make_item, controller, controller_de):
    with pytest.raises(WorklistError) as error:
        services.worklist_item_assign(item=make_item(), assignee=controller_de, actor=controller)
    assert "assignee" in error.value.fields


def test_unassigning_puts_the_item_back_in_the_queue(make_item, controller):
    item = services.worklist_item_claim(item=make_item(), actor=controller)
    item = services.worklist_item_assign(item=item, assignee=None, actor=controller)
    assert item.assignee is None and item.status == WorklistStatus.OPEN


def test_comment_is_stored_and_audited(make_item, controller):
    item = make_item()
    comment = services.worklist_item_comment(item=item, body="Asked Jane.", actor=controller)
    assert comment.author == controller and "worklist_item.comment" in audit_kinds(item)


def test_empty_comment_is_refused(make_item, controller):
    with pytest.raises(WorklistError):
        services.worklist_item_comment(item=make_item(), body="  ", actor=controller)


def test_tags_are_normalised_and_audited(make_item, controller):
    item = services.worklist_item_tag(item=make_item(), tags="Month-End, vip vip", actor=controller)
    assert item.tag_list == ["month-end", "vip"] and "worklist_item.tag" in audit_kinds(item)


def test_tags_with_markup_are_refused(make_item, controller):
    with pytest.raises(WorklistError):
        services.worklist_item_tag(item=make_item(), tags="<b>x</b>", actor=controller)


def test_dismissal_requires_a_note(make_item, controller):
    item = make_item()
    with pytest.raises(WorklistError) as error:
        services.worklist_item_dismiss(item=item, actor=controller, note="   ")
    item.refresh_from_db()
    assert "note" in error.value.fields and item.is_active
    assert "worklist_item.dismiss" not in audit_kinds(item)


def test_dismissal_closes_with_the_reason_and_who(make_item, controller):
    item = services.worklist_item_dismiss(item=make_item(), actor=controller, note="Report withdrawn.")
    assert (item.status, item.resolution, item.resolution_note) == ("dismissed", "dismissed", "Report withdrawn.")
    assert item.resolved_by == controller and item.resolved_at is not None
    assert last_audit(item).reason == "Report withdrawn."


def test_resolve_requires_a_note_and_is_audited(make_item, controller):
    item = make_item()
    with pytest.raises(WorklistError):
        services.worklist_item_resolve(item=item, actor=controller, note="")
    item = services.worklist_item_resolve(item=item, actor=controller, note="Posted by hand.")
    assert item.status == WorklistStatus.RESOLVED and last_audit(item).kind == "worklist_item.resolve"


def test_a_closed_item_cannot_be_dismissed_again(make_item, controller):
    item = services.worklist_item_resolve(item=make_item(), actor=controller, note="done")
    with pytest.raises(WorklistError, match="already resolved"):
        services.worklist_item_dismiss(item=item, actor=controller, note="again")


def test_mark_duplicate_links_the_original_and_dismisses(make_item, controller):
    original, duplicate = make_item(), make_item()
    item = services.worklist_item_mark_duplicate(
        item=duplicate, actor=controller, note="Same report twice.", original_item=original
    )
    assert item.status == WorklistStatus.DISMISSED and item.resolution == "duplicate"
    assert item.duplicate_of == original and item.duplicate_of_document == original.document
    assert last_audit(item).kind == "worklist_item.mark_duplicate"


def test_an_item_cannot_duplicate_itself(make_item, controller):
    item = make_item()
    with pytest.raises(WorklistError):
        services.worklist_item_mark_duplicate(item=item, actor=controller, note="x", original_item=item)


def test_duplicate_of_another_entity_is_refused(make_item, make_document, controller):
    with pytest.raises(WorklistError):
        services.worklist_item_mark_duplicate(
            item=make_item(), actor=controller, note="x", original_document=make_document(entity="DE")
        )


def test_snooze_hides_until_the_date_and_is_audited(make_item, controller):
    until = timezone.localdate() + timedelta(days=3)
    item = services.worklist_item_snooze(item=make_item(), until=until, actor=controller)
    assert item.status == WorklistStatus.SNOOZED and item.snoozed_until.date() == until
    assert last_audit(item).kind == "worklist_item.snooze"


def test_snoozing_into_the_past_is_refused(make_item, controller):
    with pytest.raises(WorklistError):
        services.worklist_item_snooze(item=make_item(), until=timezone.localdate(), actor=controller)


def test_woken_items_return_to_the_list(make_item, controller):
    item = services.worklist_item_snooze(
        item=make_item(), until=timezone.localdate() + timedelta(days=1), actor=controller
    )
    type(item).objects.filter(pk=item.pk).update(snoozed_until=timezone.now() - timedelta(minutes=1))
    assert services.worklist_items_wake() == 1
    item.refresh_from_db()
    assert item.status == WorklistStatus.ASSIGNED and last_audit(item).kind == "worklist_item.wake"


def test_correction_is_validated_and_stored_for_the_pipeline(make_item, controller, entities):
    item = make_item(category="closed_period")
    outcome = services.worklist_item_correct(
        item=item, corrections={"posting_date": timezone.localdate().isoformat()}, actor=controller
    )
    assert outcome.item.corrections == {"posting_date": timezone.localdate().isoformat()}
    assert not outcome.retried and "flow engine is not running" in outcome.message
    assert "worklist_item.correct" in audit_kinds(item)


def test_posting_date_inside_the_locked_period_is_refused(make_item, controller, entities):
    entities["FR"].period_lock_date = timezone.localdate()
    entities["FR"].save()
    item = make_item(category="closed_period")
    with pytest.raises(WorklistError) as error:
        services.worklist_item_correct(
            item=item, corrections={"posting_date": timezone.localdate().isoformat()}, actor=controller
        )
    item.refresh_from_db()
    assert "posting_date" in error.value.fields and item.corrections == {}


def test_fields_that_do_not_belong_to_the_category_are_refused(make_item, controller):
    with pytest.raises(WorklistError) as error:
        services.worklist_item_correct(
            item=make_item(category="invalid_tax"), corrections={"posting_date": "2030-01-01"}, actor=controller
        )
    assert "posting_date" in error.value.fields


def test_tax_code_for_an_unknown_line_is_refused(make_item, controller):
    with pytest.raises(WorklistError) as error:
        services.worklist_item_correct(
            item=make_item(category="invalid_tax"),
            corrections={"tax_code": "FR-20", "line_id": "nope"},
            actor=controller,
        )
    assert "line_id" in error.value.fields


def test_receipt_received_is_stored(make_item, controller):
    outcome = services.worklist_item_correct(
        item=make_item(category="missing_receipt"),
        corrections={"receipt_received": True},
        actor=controller,
        retry=False,
    )
    assert outcome.item.corrections == {"receipt_received": True}


@pytest.mark.parametrize(
    "action",
    [
        lambda item, user: services.worklist_item_claim(item=item, actor=user),
        lambda item, user: services.worklist_item_comment(item=item, body="x", actor=user),
        lambda item, user: services.worklist_item_tag(item=item, tags="x", actor=user),
        lambda item, user: services.worklist_item_retry(item=item, actor=user),
        lambda item, user: services.worklist_item_correct(item=item, corrections={"tax_code": "X"}, actor=user),
        lambda item, user: services.worklist_item_dismiss(item=item, actor=user, note="x"),
        lambda item, user: services.worklist_item_resolve(item=item, actor=user, note="x"),
        lambda item, user: services.worklist_item_snooze(
            item=item, until=timezone.localdate() + timedelta(days=2), actor=user
        ),
        lambda item, user: services.worklist_item_replay(item=item, actor=user),
    ],
    ids=["claim", "comment", "tag", "retry", "correct", "dismiss", "resolve", "snooze", "replay"],
)
@pytest.mark.parametrize("who", ["auditor", "controller_de", "outsider"])
def test_only_controllers_of_the_entity_can_act(action, who, request, make_item):
    item = make_item(category="invalid_tax")
    user = request.getfixturevalue(who)
    before = LedgerEntry.objects.count()
    with pytest.raises(AccessDenied):
        action(item, user)
    item.refresh_from_db()
    assert item.is_active and LedgerEntry.objects.count() == before


def test_it_can_work_transport_items_of_any_entity(make_item, it_admin):
    item = services.worklist_item_claim(item=make_item(category="transport"), actor=it_admin)
    assert item.assignee == it_admin


def test_it_cannot_work_finance_items(make_item, it_admin):
    with pytest.raises(AccessDenied):
        services.worklist_item_claim(item=make_item(category="mapping_missing"), actor=it_admin)
