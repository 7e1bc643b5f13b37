"""One endpoint per item action: POST /api/v1/worklist/items/<id>/<action>/ with a JSON body.

Each validates with the same form as the page, calls one service and answers the fresh item (plus a
`message` when the service has something to say, e.g. the retry outcome).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.schema import form_serializer
from apps.worklist.actions import ITEM_ACTIONS
from apps.worklist.api.serializers import WorklistItemSerializer
from apps.worklist.api.views import WORK, bound_form, error_response, form_error_response, visible_item
from apps.worklist.errors import WorklistError


class ItemActionView(APIView):
    """POST one action (apps.worklist.actions): the page's form parses the JSON body, the same service runs."""

    required_perms = {"POST": WORK}
    name = ""
    form_class = None

    def post(self, request, pk: int):
        item = visible_item(request, pk)
        form = bound_form(self.form_class, request.data) if self.form_class else None
        if form is not None and not form.is_valid():
            return form_error_response(form)
        data = self.clean_data(request, form.cleaned_data if form else {})
        try:
            message = ITEM_ACTIONS[self.name].run(item, data, request.user)
        except WorklistError as error:
            return error_response(error)
        item.refresh_from_db()
        return Response({**WorklistItemSerializer(item).data, "message": message or ""})

    def clean_data(self, request, data: dict) -> dict:
        return data


class Correct(ItemActionView):
    """Body: the corrections (tax_code, line_id, receipt_received, posting_date, note) and `retry` (bool,
    default true — unlike the page's checkbox, an absent key means retry)."""

    def clean_data(self, request, data):
        return {**data, "retry": str(request.data.get("retry", "true")).lower() not in ("false", "0", "")}


def _action_view(name: str) -> type[ItemActionView]:
    base = Correct if name == "correct" else ItemActionView
    return type(f"{name.title()}ActionView", (base,), {"name": name, "form_class": ITEM_ACTIONS[name].form_class})


# Replay body: {"confirm": true} to replay for real; otherwise a dry run answering the diff in `message`.
ACTIONS = {name: _action_view(name) for name in ITEM_ACTIONS}


# OpenAPI: each action's body is its form; every action answers the item and the service's message.
class WorklistItemActionResultSerializer(WorklistItemSerializer):
    message = serializers.CharField(read_only=True, help_text="What the service had to say (may be empty).")

    class Meta(WorklistItemSerializer.Meta):
        fields = [*WorklistItemSerializer.Meta.fields, "message"]
        read_only_fields = fields


for _name, _view in ACTIONS.items():
    _body = form_serializer(_view.form_class, f"Worklist{_name.title()}Input") if _view.form_class else None
    extend_schema(request=_body, responses=WorklistItemActionResultSerializer)(_view)
