"""The item actions, declared once for the page and the API: the form that parses the input, the service call,
and what to say when the service has nothing to add.

    action = ITEM_ACTIONS["dismiss"]
    form = action.form_class(data)                     # None: the action takes no input (claim, retry)
    message = action.run(item, form.cleaned_data, user) or action.success

Views (apps/worklist/views/actions.py) and API views (apps/worklist/api/actions.py) only add their transport:
messages and redirects, or JSON and status codes. Services raise WorklistError / AccessDenied; callers map them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from apps.documents.models import Document
from apps.worklist import forms, selectors, services
from apps.worklist.errors import WorklistError
from apps.worklist.models import WorklistItem


@dataclass(frozen=True)
class ItemAction:
    form_class: type | None
    run: Callable  # (item, cleaned data, actor) -> message or None
    success: str


def _silent(call: Callable) -> Callable:
    """For services that answer the changed object, not a message: the caller then says `success`."""

    def run(item, data, actor):
        call(item, data, actor)

    return run


def _retry(item, data, actor):
    result = services.worklist_item_retry(item=item, actor=actor)
    if not result.ok:  # the engine declined (e.g. the document already moved on): a refusal, with its reason
        raise WorklistError(result.message)
    return result.message


def _correct(item, data, actor):
    corrections = forms.correction_values(data)
    return services.worklist_item_correct(item=item, corrections=corrections, actor=actor, retry=data["retry"]).message


def _duplicate(item, data, actor):
    original_item = original_document = None
    if data.get("original_item"):
        try:
            original_item = selectors.worklist_item_get(user=actor, pk=data["original_item"])
        except WorklistItem.DoesNotExist:
            raise WorklistError("No such item in your scope.", fields={"original_item": "Not found."}) from None
    if data.get("original_document"):
        original_document = Document.objects.filter(idempotency_key=data["original_document"].strip()).first()
        if original_document is None:
            raise WorklistError("No document has this key.", fields={"original_document": "Not found."})
    services.worklist_item_mark_duplicate(
        item=item, actor=actor, note=data["note"], original_item=original_item, original_document=original_document
    )


def _replay(item, data, actor):
    dry_run = not data.get("confirm")
    result = services.worklist_item_replay(item=item, actor=actor, dry_run=dry_run)
    changes = "; ".join(f"{d.get('field')}: {d.get('before')} → {d.get('after')}" for d in result.diff)
    return f"{'Dry run — nothing was posted. ' if dry_run else ''}{result.message} {changes}".strip()


ITEM_ACTIONS: dict[str, ItemAction] = {
    "assign": ItemAction(
        forms.AssignForm,
        _silent(
            lambda item, d, u: services.worklist_item_assign(item=item, assignee=d["assignee"], actor=u, note=d["note"])
        ),
        "Assignment saved.",
    ),
    "claim": ItemAction(
        None, _silent(lambda item, d, u: services.worklist_item_claim(item=item, actor=u)), "The item is yours."
    ),
    "comment": ItemAction(
        forms.CommentForm,
        _silent(lambda item, d, u: services.worklist_item_comment(item=item, body=d["body"], actor=u)),
        "Comment added.",
    ),
    "tag": ItemAction(
        forms.TagForm,
        _silent(lambda item, d, u: services.worklist_item_tag(item=item, tags=d["tags"], actor=u)),
        "Tags saved.",
    ),
    "retry": ItemAction(None, _retry, "Retry requested."),
    "correct": ItemAction(forms.CorrectionForm, _correct, "Correction saved."),
    "duplicate": ItemAction(forms.DuplicateForm, _duplicate, "Dismissed as a duplicate; the original is linked."),
    "dismiss": ItemAction(
        forms.NoteForm,
        _silent(lambda item, d, u: services.worklist_item_dismiss(item=item, actor=u, note=d["note"])),
        "Dismissed.",
    ),
    "resolve": ItemAction(
        forms.NoteForm,
        _silent(lambda item, d, u: services.worklist_item_resolve(item=item, actor=u, note=d["note"])),
        "Resolved.",
    ),
    "snooze": ItemAction(
        forms.SnoozeForm,
        _silent(lambda item, d, u: services.worklist_item_snooze(item=item, until=d["until"], actor=u, note=d["note"])),
        "Snoozed.",
    ),
    "replay": ItemAction(forms.ReplayForm, _replay, "Replay requested."),
}
