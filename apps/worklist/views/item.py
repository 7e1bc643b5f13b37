"""The item page: what failed where, the document, the lineage timeline, history, the fix, the actions."""

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from apps.access.decorators import permission_required
from apps.access.permissions import can
from apps.ledger.models import LedgerEntry
from apps.worklist import calendar, guidance
from apps.worklist.forms import (
    AssignForm,
    CommentForm,
    CorrectionForm,
    DuplicateForm,
    NoteForm,
    ReplayForm,
    SnoozeForm,
    TagForm,
)
from apps.worklist.services._audit import TARGET_MODEL
from apps.worklist.views._helpers import visible_item

TIMELINE_LIMIT = 200
REPLAYABLE = ("posted", "confirmed")


def _lineage(item):
    """Ledger entries about the item's document (oldest first), bounded."""
    key = item.document.idempotency_key if item.document_id else ""
    if not key:
        return []
    entries = LedgerEntry.objects.filter(document=key).order_by("-sequence")[:TIMELINE_LIMIT]
    return list(reversed(entries))


def _history(item):
    entries = LedgerEntry.objects.filter(target_model=TARGET_MODEL, target_id=str(item.pk)).order_by("sequence")
    return list(entries[:TIMELINE_LIMIT])


def _mapping_link(item) -> str:
    """The mappings page pre-filled with the missing rule, when mappings offers one."""
    context = item.context or {}
    try:
        base = reverse("mappings:rule-new")
    except NoReverseMatch:
        return ""
    params = {k: context.get(k, "") for k in ("dimension", "source_value")}
    params.update(entity=item.entity.code if item.entity_id else "", worklist_item=item.pk)
    return f"{base}?{urlencode(params)}"


def _forms(item) -> dict:
    return {
        "assign_form": AssignForm(),
        "comment_form": CommentForm(),
        "note_form": NoteForm(),
        "snooze_form": SnoozeForm(),
        "duplicate_form": DuplicateForm(),
        "correction_form": CorrectionForm(initial={"retry": True}),
        "correction_fields": guidance.correction_form_fields(item.category),
        "tag_form": TagForm(initial={"tags": " ".join(item.tag_list)}),
        "replay_form": ReplayForm(),
    }


@require_GET
@permission_required("worklist.view_worklistitem")
def detail(request, pk: int):
    item = visible_item(request, pk)
    document = item.document
    context = {
        "item": item,
        "document": document,
        "lines": list(document.lines.all()[:200]) if document is not None else [],
        "lineage": _lineage(item),
        "history": _history(item),
        "comments": list(item.comments.select_related("author")),
        "routed_to": list(item.routed_to.all()[:20]),
        "suggested_fix": guidance.suggested_fix(item.category),
        "mapping_link": _mapping_link(item) if item.category == "mapping_missing" else "",
        "days_left": calendar.days_left(item.due_date),
        "flag": calendar.ageing_flag(item.due_date) if item.is_active else "",
        "can_work": can(request.user, "worklist.work_worklistitem"),
        "can_replay": document is not None and (item.category == "dead_letter" or document.state in REPLAYABLE),
        **_forms(item),
    }
    return render(request, "worklist/worklistitem_detail.html", context)
