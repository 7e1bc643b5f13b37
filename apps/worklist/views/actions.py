"""POST endpoints for the item actions: the form and the service call come from apps.worklist.actions."""

from django import forms
from django.views.decorators.http import require_POST

from apps.access.decorators import permission_required
from apps.worklist.actions import ITEM_ACTIONS
from apps.worklist.views._helpers import run_action, visible_item

WORK = "worklist.work_worklistitem"


def _action(name: str):
    """Build the POST view of one action: visible item (404 otherwise), work permission (403), form, service."""
    action = ITEM_ACTIONS[name]
    form_class = action.form_class or forms.Form  # no fields: claim, retry

    @require_POST
    @permission_required(WORK)
    def view(request, pk: int):
        item = visible_item(request, pk)
        return run_action(
            request,
            item=item,
            form=form_class(request.POST),
            success=action.success,
            action=lambda it, data: action.run(it, data, request.user),
        )

    view.__name__ = name
    return view


assign, claim, comment, tag = _action("assign"), _action("claim"), _action("comment"), _action("tag")
retry, correct, duplicate, replay = _action("retry"), _action("correct"), _action("duplicate"), _action("replay")
dismiss, resolve, snooze = _action("dismiss"), _action("resolve"), _action("snooze")
