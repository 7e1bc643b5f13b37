"""Worklist API: read-only views over the selectors, and one small endpoint per action calling one service.

Errors: 400 with {"detail", "fields"} for invalid input or refused actions, 403 for read-only roles or items
out of scope, 404 for items the user cannot see, 409 when the flow engine is not running.
"""

from collections.abc import Mapping

from django import forms
from django.http import Http404, QueryDict
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.schema import form_parameters, form_serializer
from apps.worklist import redrive, selectors, services
from apps.worklist.api.pagination import paginate
from apps.worklist.api.serializers import BulkActionSerializer, WorklistCommentSerializer, WorklistItemSerializer
from apps.worklist.errors import WorklistError
from apps.worklist.forms import BulkForm, WorklistFilterForm, filter_from_query
from apps.worklist.models import BulkAction, WorklistItem

VIEW, WORK = "worklist.view_worklistitem", "worklist.work_worklistitem"


def error_response(error: WorklistError) -> Response:
    code = status.HTTP_409_CONFLICT if isinstance(error, redrive.FlowEngineNotRunning) else status.HTTP_400_BAD_REQUEST
    return Response({"detail": error.message, "fields": error.fields}, status=code)


def form_error_response(form) -> Response:
    fields = {name: " ".join(errors) for name, errors in form.errors.items()}
    return Response({"detail": "Invalid input; nothing was changed.", "fields": fields}, status=400)


def bound_form(form_class: type[forms.Form], data) -> forms.Form:
    """The page's form bound to an API body. A JSON body must be an object of single values (lists only for
    multiple-choice fields): the forms expect what a browser posts, and anything else would crash inside them
    (a 500) or be read as its text. Refused bodies are a 400 naming the field; unknown keys are ignored."""
    if isinstance(data, QueryDict):  # form-encoded or multipart: what the forms are made for
        return form_class(data)
    if not isinstance(data, Mapping):
        raise ValidationError({"non_field_errors": "Send a JSON object of fields."})
    values, problems = {}, {}
    for name, value in data.items():
        field = form_class.base_fields.get(name)
        if field is None:
            continue
        multiple = isinstance(field, forms.MultipleChoiceField) and isinstance(value, list)
        items = value if multiple else [value]
        if any(isinstance(item, dict | list) for item in items):
            problems[name] = "A list of single values." if multiple else "A single value, not a list or an object."
            continue
        items = [item if item is None or isinstance(item, bool) else str(item) for item in items]
        values[name] = items if multiple else items[0]
    if problems:
        raise ValidationError(problems)
    return form_class(values)


def visible_item(request, pk: int) -> WorklistItem:
    try:
        return selectors.worklist_item_get(user=request.user, pk=pk)
    except WorklistItem.DoesNotExist:
        raise Http404 from None


class ItemListView(APIView):
    """GET: the items the user can see, filtered like the page (category, entity, flow, status, assignee,
    age_min, due, amount_min, amount_max, q, tag) and sorted by `sort` (due, -due, created, -created)."""

    required_perms = {"GET": VIEW}

    @extend_schema(
        operation_id="worklist_items_list",
        parameters=form_parameters(WorklistFilterForm),
        responses=inline_serializer(
            "WorklistItemPage",
            {"next": serializers.URLField(allow_null=True), "results": WorklistItemSerializer(many=True)},
        ),
    )
    def get(self, request):
        form, filters = filter_from_query(request.query_params)
        if form.errors:
            return form_error_response(form)
        items = selectors.worklist_item_list(user=request.user, filters=filters).select_related("document")
        return paginate(request, items, request.query_params.get("sort", "due"), WorklistItemSerializer)


class WorklistItemDetailSerializer(WorklistItemSerializer):
    """The detail answer's shape (OpenAPI): the item and its comments."""

    comments = WorklistCommentSerializer(many=True, read_only=True)

    class Meta(WorklistItemSerializer.Meta):
        fields = [*WorklistItemSerializer.Meta.fields, "comments"]
        read_only_fields = fields


@extend_schema(responses=WorklistItemDetailSerializer)
class ItemDetailView(APIView):
    required_perms = {"GET": VIEW}

    def get(self, request, pk: int):
        item = visible_item(request, pk)
        data = WorklistItemSerializer(item).data
        data["comments"] = WorklistCommentSerializer(item.comments.select_related("author"), many=True).data
        return Response(data)


@extend_schema(
    responses=inline_serializer(
        "WorklistCounts",
        {
            "total": serializers.IntegerField(),
            "overdue": serializers.IntegerField(),
            "by_category": serializers.DictField(child=serializers.IntegerField()),
            "by_entity": serializers.DictField(child=serializers.IntegerField()),
        },
    )
)
class CountsView(APIView):
    required_perms = {"GET": VIEW}

    def get(self, request):
        counts = selectors.worklist_counts(user=request.user)
        return Response(
            {
                "total": counts.total,
                "overdue": counts.overdue,
                "by_category": dict(counts.by_category),
                "by_entity": dict(counts.by_entity),
            }
        )


@extend_schema(request=form_serializer(BulkForm, "BulkActionInput"), responses={202: BulkActionSerializer})
class BulkCreateView(APIView):
    """POST {kind, scope: selected|filter, ids?, assignee?, note?, query?} → 202 with the bulk action."""

    required_perms = {"POST": "worklist.add_bulkaction"}

    def post(self, request):
        form = bound_form(BulkForm, request.data)
        if not form.is_valid():
            return form_error_response(form)
        data = form.cleaned_data
        _, filters = filter_from_query(QueryDict(data["query"] or ""))
        params = {"note": data["note"], "assignee": data["assignee"].pk if data["assignee"] else None}
        try:
            action = services.bulk_action_create(
                kind=data["kind"],
                actor=request.user,
                filters=filters,
                params=params,
                query=data["query"],
                item_ids=data["ids"] if data["scope"] == "selected" else None,
            )
        except WorklistError as error:
            return error_response(error)
        return Response(BulkActionSerializer(action).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(responses=BulkActionSerializer)
class BulkDetailView(APIView):
    required_perms = {"GET": "worklist.view_bulkaction"}

    def get(self, request, pk: int):
        try:
            action = selectors.bulk_action_get(user=request.user, pk=pk)
        except BulkAction.DoesNotExist:
            raise Http404 from None
        return Response(BulkActionSerializer(action).data)
