"""E-mail: the daily digest per person and the overdue notice. Called by tasks (apps.worklist.tasks).

Recipients of an item: its assignee, else the users it was routed to. Users without an e-mail address are
skipped. The overdue notice goes once per item (`overdue_notified_at`), so running the task twice sends
nothing twice.
"""

from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from apps.worklist import calendar
from apps.worklist.models import WorklistItem, WorklistStatus

DIGEST_ITEMS = 20
ACTIVE = (WorklistStatus.OPEN, WorklistStatus.ASSIGNED)


def _recipients(items) -> dict:
    """user id → [items] for the given items (assignee first, else everyone it was routed to)."""
    by_user = defaultdict(list)
    routed = WorklistItem.routed_to.through.objects.filter(
        worklistitem_id__in=[i.pk for i in items if not i.assignee_id]
    )
    routed_map = defaultdict(list)
    for row in routed.values_list("worklistitem_id", "user_id"):
        routed_map[row[0]].append(row[1])
    for item in items:
        for user_id in [item.assignee_id] if item.assignee_id else routed_map.get(item.pk, []):
            by_user[user_id].append(item)
    return by_user


def _send(user, subject: str, template: str, context: dict) -> bool:
    if not user.email:
        return False
    body = render_to_string(template, {"user": user, "site_url": getattr(settings, "SITE_URL", ""), **context})
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True


def worklist_digest_send() -> int:
    """One e-mail per person with active items: counts, overdue, the items due first. Returns e-mails sent."""
    items = list(
        WorklistItem.objects.filter(status__in=ACTIVE).select_related("entity").order_by("due_date", "id")[:50_000]
    )
    users = get_user_model().objects.in_bulk(list(_recipients(items)))
    sent = 0
    today = calendar.today()
    for user_id, mine in _recipients(items).items():
        user = users.get(user_id)
        if user is None or not user.is_active:
            continue
        overdue = sum(1 for item in mine if item.due_date < today)
        context = {"items": mine[:DIGEST_ITEMS], "total": len(mine), "overdue": overdue, "today": today}
        subject = f"Worklist: {len(mine)} open item(s), {overdue} overdue"
        sent += _send(user, subject, "worklist/email/digest.txt", context)
    return sent


def worklist_overdue_notify() -> int:
    """Tell the owners of items that became overdue (once per item). Returns e-mails sent."""
    with transaction.atomic():
        items = list(
            WorklistItem.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status__in=ACTIVE, due_date__lt=calendar.today(), overdue_notified_at__isnull=True)
            .select_related("entity")[:5_000]
        )
        WorklistItem.objects.filter(pk__in=[i.pk for i in items]).update(overdue_notified_at=timezone.now())
    users = get_user_model().objects.in_bulk(list(_recipients(items)))
    sent = 0
    for user_id, mine in _recipients(items).items():
        user = users.get(user_id)
        if user is not None and user.is_active:
            sent += _send(
                user, f"Worklist: {len(mine)} item(s) now overdue", "worklist/email/overdue.txt", {"items": mine}
            )
    return sent
