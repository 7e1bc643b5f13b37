"""Telling people: worklist items (apps.worklist) and emails to connector owners.

The worklist sits above connectors in the layering, so it is imported at call time; when it is not installed
the item is skipped and logged (the ledger entry and the email still happen).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail

logger = logging.getLogger(__name__)


def open_worklist_item(
    *,
    category: str,
    subject_key: str,
    message: str,
    detail: str,
    connector,
    severity: str,
    actor,
    context: dict | None = None,
):
    try:
        from apps.worklist.services import worklist_item_open
    except ImportError:
        logger.warning("worklist not available: %s item for %s not opened", category, subject_key)
        return None
    return worklist_item_open(
        category=category,
        subject_key=subject_key,
        message=message,
        detail=detail,
        connector=connector.slug,
        severity=severity,
        assignee=connector.owner if connector.owner and connector.owner.is_active else None,
        context=context or {},
        actor=actor,
    )


def resolve_worklist_items(subject_key: str, actor, note: str) -> int:
    try:
        from apps.worklist.services import worklist_items_resolve_for
    except ImportError:
        return 0
    return worklist_items_resolve_for(subject_key=subject_key, actor=actor, note=note)


def email_owner(connector, *, subject: str, body: str) -> bool:
    """Email the connector's owner (False when the owner has no address). Bodies carry metadata only."""
    owner = connector.owner
    if owner is None or not owner.email:
        logger.warning("connector %s has no owner email; not sent: %s", connector.slug, subject)
        return False
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [owner.email], fail_silently=False)
    return True
