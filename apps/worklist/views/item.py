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


RULE_FIXES = ("mapping_missing", "master_data_missing")  # an explicit rule can fix either


def _mapping_link(item) -> str:
    """The mappings page pre-filled with the missing rule, when the pipeline said which value failed."""
    context = item.context or {}
    if item.category not in RULE_FIXES or not context.get("dimension") or not item.entity_id:
        return ""
    if context.get("rule_id"):  # a rule exists but its Odoo record is gone (daily check): edit that rule instead
        return ""
    try:
        base = reverse("mappings:rule-new")
    except NoReverseMatch:
        return ""
    params = {k: context.get(k, "") for k in ("dimension", "source_value")}
    params.update(entity=item.entity.code, worklist_item=item.pk)
    return f"{base}?{urlencode(params)}"


def _pending_fix(item):
    """The draft or pending mapping version that already holds a rule for the item's value, or None."""
    from apps.mappings.models import OPEN_STATUSES, MappingRule

    context = item.context or {}
    if item.category not in RULE_FIXES or not item.is_active or not context.get("dimension") or not item.entity_id:
        return None
    rule = (
        MappingRule.objects.filter(
            version__mapping_set__entity=item.entity,
            version__mapping_set__dimension=context["dimension"],
            version__status__in=OPEN_STATUSES,
            source_value__iexact=str(context.get("source_value", "")),
        )
        .select_related("version")
        .first()
    )
    return rule.version if rule else None


def _approval_link(item) -> str:
    """The page of the mapping version whose approval fixed the item (it closes with this link)."""
    from apps.mappings.services.followup import version_for_reference

    version = version_for_reference(item.resolved_by_approval) if item.resolved_by_approval else None
    return reverse("mappings:version_detail", kwargs={"pk": version.pk}) if version else ""


def _reconciliation(item) -> dict:
    """What the reconciliation found (kind, each side's figures) and a link to its run."""
    context = item.context or {}
    if item.category != "reconciliation_difference" or not context:
        return {}
    run = context.get("reconciliation_run")
    try:
        link = reverse("reporting:reconciliation_detail", kwargs={"pk": int(run)}) if run else ""
    except (NoReverseMatch, TypeError, ValueError):
        link = ""
    sides = context.get("sides") if isinstance(context.get("sides"), dict) else {}
    return {"kind": context.get("kind", ""), "run": run, "link": link, "sides": sorted(sides.items())}


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
        "mapping_link": _mapping_link(item) if item.is_active else "",
        "approval_link": _approval_link(item),
        "pending_fix": _pending_fix(item),
        "reconciliation": _reconciliation(item),
        "days_left": calendar.days_left(item.due_date),
        "flag": calendar.ageing_flag(item.due_date) if item.is_active else "",
        "can_work": can(request.user, "worklist.work_worklistitem"),
        "can_replay": document is not None and (item.category == "dead_letter" or document.state in REPLAYABLE),
        **_forms(item),
    }
    return render(request, "worklist/worklistitem_detail.html", context)
