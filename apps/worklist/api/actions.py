"""One endpoint per item action: POST /api/v1/worklist/items/<id>/<action>/ with a JSON body.

Each validates with the same form as the page, calls one service and answers the fresh item (plus a
`message` when the service has something to say, e.g. the retry outcome).
"""

from rest_framework.response import Response
from rest_framework.views import APIView

from apps.documents.models import Document
from apps.worklist import forms, services
from apps.worklist.api.serializers import WorklistItemSerializer
from apps.worklist.api.views import WORK, error_response, form_error_response, visible_item
from apps.worklist.errors import WorklistError


class ItemActionView(APIView):
    required_perms = {"POST": WORK}
    form_class = None

    def post(self, request, pk: int):
        item = visible_item(request, pk)
        form = self.form_class(request.data) if self.form_class else None
        if form is not None and not form.is_valid():
            return form_error_response(form)
        try:
            message = self.perform(request, item, form.cleaned_data if form else {})
        except WorklistError as error:
            return error_response(error)
        item.refresh_from_db()
        return Response({**WorklistItemSerializer(item).data, "message": message or ""})

    def perform(self, request, item, data):
        raise NotImplementedError


class Assign(ItemActionView):
    form_class = forms.AssignForm

    def perform(self, request, item, data):
        services.worklist_item_assign(item=item, assignee=data["assignee"], actor=request.user, note=data["note"])


class Claim(ItemActionView):
    def perform(self, request, item, data):
        services.worklist_item_claim(item=item, actor=request.user)


class Comment(ItemActionView):
    form_class = forms.CommentForm

    def perform(self, request, item, data):
        services.worklist_item_comment(item=item, body=data["body"], actor=request.user)


class Tag(ItemActionView):
    form_class = forms.TagForm

    def perform(self, request, item, data):
        services.worklist_item_tag(item=item, tags=data["tags"], actor=request.user)


class Retry(ItemActionView):
    def perform(self, request, item, data):
        result = services.worklist_item_retry(item=item, actor=request.user)
        if not result.ok:  # the engine declined (e.g. the document already moved on): a 400 with its reason
            raise WorklistError(result.message)
        return result.message


class Correct(ItemActionView):
    """Body: the corrections (tax_code, line_id, receipt_received, posting_date, note) and `retry` (bool)."""

    form_class = forms.CorrectionForm

    def perform(self, request, item, data):
        retry = str(request.data.get("retry", "true")).lower() not in ("false", "0", "")
        return services.worklist_item_correct(
            item=item, corrections=forms.correction_values(data), actor=request.user, retry=retry
        ).message


class Duplicate(ItemActionView):
    form_class = forms.DuplicateForm

    def perform(self, request, item, data):
        original_item = visible_item(request, data["original_item"]) if data.get("original_item") else None
        original_document = None
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


class Dismiss(ItemActionView):
    form_class = forms.NoteForm

    def perform(self, request, item, data):
        services.worklist_item_dismiss(item=item, actor=request.user, note=data["note"])


class Resolve(ItemActionView):
    form_class = forms.NoteForm

    def perform(self, request, item, data):
        services.worklist_item_resolve(item=item, actor=request.user, note=data["note"])


class Snooze(ItemActionView):
    form_class = forms.SnoozeForm

    def perform(self, request, item, data):
        services.worklist_item_snooze(item=item, until=data["until"], actor=request.user, note=data["note"])


class Replay(ItemActionView):
    """Body: {"confirm": true} to replay for real; otherwise a dry run answering the diff in `message`."""

    form_class = forms.ReplayForm

    def perform(self, request, item, data):
        result = services.worklist_item_replay(item=item, actor=request.user, dry_run=not data.get("confirm"))
        changes = "; ".join(f"{d.get('field')}: {d.get('before')} → {d.get('after')}" for d in result.diff)
        return f"{'Dry run: ' if not data.get('confirm') else ''}{result.message} {changes}".strip()


ACTIONS = {
    "assign": Assign,
    "claim": Claim,
    "comment": Comment,
    "tag": Tag,
    "retry": Retry,
    "correct": Correct,
    "duplicate": Duplicate,
    "dismiss": Dismiss,
    "resolve": Resolve,
    "snooze": Snooze,
    "replay": Replay,
}
