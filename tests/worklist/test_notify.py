"""The daily digest per assignee and the overdue notice (sent once per item)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.worklist import tasks
from apps.worklist.models import WorklistItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_email(controller, controller_de):
    controller.email, controller_de.email = "fr@example.com", "de@example.com"
    controller.save()
    controller_de.save()


def test_digest_goes_to_each_assignee_with_their_items(with_email, make_item, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_item(entity="FR", message="FR thing")
    make_item(entity="DE", message="DE thing")
    assert tasks.worklist_digest_task() == 2
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert "FR thing" in by_recipient["fr@example.com"].body and "DE thing" not in by_recipient["fr@example.com"].body


def test_overdue_notice_is_sent_once(with_email, make_item, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    item = make_item()
    WorklistItem.objects.filter(pk=item.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    assert tasks.worklist_overdue_task() == 1
    assert tasks.worklist_overdue_task() == 0
    assert len(mail.outbox) == 1 and "overdue" in mail.outbox[0].subject


def test_schedules_are_created_once(db):
    from django_q.models import Schedule

    tasks.schedules_ensure()
    tasks.schedules_ensure()
    assert Schedule.objects.filter(name__startswith="worklist:").count() == 3
