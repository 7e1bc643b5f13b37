"""POST endpoints for the item actions: each parses one form and calls one service."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from apps.access.decorators import permission_required
from apps.documents.models import Document
from apps.worklist import services
from apps.worklist.errors import WorklistError
from apps.worklist.forms import (
    AssignForm,
    CommentForm,
    CorrectionForm,
    DuplicateForm,
    NoteForm,
    ReplayForm,
    SnoozeForm,
    TagForm,
    correction_values,
)
from apps.worklist.views._helpers import run_action, visible_item

WORK = "worklist.work_worklistitem"


def _action(form_class, perform, success: str):
    """Build a POST view: visible item (404 otherwise), work permission (403), form, service."""

    @require_POST
    @permission_required(WORK)
    def view(request, pk: int):
        item = visible_item(request, pk)
        form = form_class(request.POST)
        return run_action(
            request, item=item, form=form, success=success, action=lambda it, data: perform(request, it, data)
        )

    return view


class _Empty(NoteForm):
    """No fields (claim, retry)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.clear()


def _assign(request, item, data):
    services.worklist_item_assign(item=item, assignee=data["assignee"], actor=request.user, note=data["note"])


def _claim(request, item, data):
    services.worklist_item_claim(item=item, actor=request.user)


def _comment(request, item, data):
    services.worklist_item_comment(item=item, body=data["body"], actor=request.user)


def _tag(request, item, data):
    services.worklist_item_tag(item=item, tags=data["tags"], actor=request.user)


def _snooze(request, item, data):
    services.worklist_item_snooze(item=item, until=data["until"], actor=request.user, note=data["note"])


def _resolve(request, item, data):
    services.worklist_item_resolve(item=item, actor=request.user, note=data["note"])


def _dismiss(request, item, data):
    services.worklist_item_dismiss(item=item, actor=request.user, note=data["note"])


def _retry(request, item, data):
    result = services.worklist_item_retry(item=item, actor=request.user)
    if not result.ok:  # the engine declined (e.g. the document already moved on): show it as a problem
        raise WorklistError(result.message)
    return result.message


assign = _action(AssignForm, _assign, "Assignment saved.")
claim = _action(_Empty, _claim, "The item is yours.")
comment = _action(CommentForm, _comment, "Comment added.")
tag = _action(TagForm, _tag, "Tags saved.")
snooze = _action(SnoozeForm, _snooze, "Snoozed.")
resolve = _action(NoteForm, _resolve, "Resolved.")
dismiss = _action(NoteForm, _dismiss, "Dismissed.")
retry = _action(_Empty, _retry, "Retry requested.")


def _correct(request, item, data):
    return services.worklist_item_correct(
        item=item, corrections=correction_values(data), actor=request.user, retry=bool(data.get("retry"))
    ).message


correct = _action(CorrectionForm, _correct, "Correction saved.")


def _duplicate(request, item, data):
    original_item = original_document = None
    if data.get("original_item"):
        original_item = visible_item(request, data["original_item"])
    if data.get("original_document"):
        original_document = Document.objects.filter(idempotency_key=data["original_document"].strip()).first()
        if original_document is None:
            raise WorklistError("No document has this key.", fields={"original_document": "Not found."})
    services.worklist_item_mark_duplicate(
        item=item,
        actor=request.user,
        note=data["note"],
        original_item=original_item,
        original_document=original_document,
    )


duplicate = _action(DuplicateForm, _duplicate, "Dismissed as a duplicate; the original is linked.")


@require_POST
@permission_required(WORK)
def replay(request, pk: int):
    item = visible_item(request, pk)
    form = ReplayForm(request.POST)
    form.is_valid()
    dry_run = not form.cleaned_data.get("confirm")
    try:
        result = services.worklist_item_replay(item=item, actor=request.user, dry_run=dry_run)
    except WorklistError as error:
        messages.error(request, error.message)
        return redirect("worklist:item", pk=item.pk)
    changes = "; ".join(f"{d.get('field')}: {d.get('before')} → {d.get('after')}" for d in result.diff)
    prefix = "Dry run — nothing was posted. " if dry_run else ""
    messages.success(request, f"{prefix}{result.message} {changes}".strip())
    return redirect("worklist:item", pk=item.pk)
