"""Writes of the worklist. Import from here: `from apps.worklist.services import worklist_item_open`."""

from apps.worklist.services.actions import (
    worklist_item_assign,
    worklist_item_claim,
    worklist_item_comment,
    worklist_item_dismiss,
    worklist_item_mark_duplicate,
    worklist_item_resolve,
    worklist_item_snooze,
    worklist_item_tag,
)
from apps.worklist.services.bulk import bulk_action_create, bulk_action_run
from apps.worklist.services.calendar import close_period_save
from apps.worklist.services.filters import saved_filter_delete, saved_filter_save
from apps.worklist.services.opening import (
    worklist_item_open,
    worklist_items_resolve_for,
    worklist_items_resolve_for_document,
    worklist_items_supersede,
)
from apps.worklist.services.redriving import (
    worklist_item_correct,
    worklist_item_replay,
    worklist_item_retry,
    worklist_items_redrive_for_approval,
)
from apps.worklist.services.wake import worklist_items_wake

__all__ = [
    "bulk_action_create",
    "bulk_action_run",
    "close_period_save",
    "saved_filter_delete",
    "saved_filter_save",
    "worklist_item_assign",
    "worklist_item_claim",
    "worklist_item_comment",
    "worklist_item_correct",
    "worklist_item_dismiss",
    "worklist_item_mark_duplicate",
    "worklist_item_open",
    "worklist_item_replay",
    "worklist_item_resolve",
    "worklist_item_retry",
    "worklist_item_snooze",
    "worklist_item_tag",
    "worklist_items_redrive_for_approval",
    "worklist_items_resolve_for",
    "worklist_items_resolve_for_document",
    "worklist_items_supersede",
    "worklist_items_wake",
]
