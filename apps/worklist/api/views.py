"""Worklist API: read-only views over the selectors, and one small endpoint per action calling one service.

Errors: 400 with {"detail", "fields"} for invalid input or refused actions, 403 for read-only roles or items
out of scope, 404 for items the user cannot see, 409 when the flow engine is not running.
"""

from django.http import Http404, QueryDict
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.worklist import redrive, selectors, services
from apps.worklist.api.pagination import paginate
from apps.worklist.api.serializers import BulkActionSerializer, WorklistCommentSerializer, WorklistItemSerializer
from apps.worklist.errors import WorklistError
from apps.worklist.forms import BulkForm, filter_from_query
from apps.worklist.models import BulkAction, WorklistItem

VIEW, WORK = "worklist.view_worklistitem", "worklist.work_worklistitem"


def error_response(error: WorklistError) -> Response:
    code = status.HTTP_409_CONFLICT if isinstance(error, redrive.FlowEngineNotRunning) else status.HTTP_400_BAD_REQUEST
    return Response({"detail": error.message, "fields": error.fields}, status=code)


def form_error_response(form) -> Response:
    fields = {name: " ".join(errors) for name, errors in form.errors.items()}
    return Response({"detail": "Invalid input; nothing was changed.", "fields": fields}, status=400)


def visible_item(request, pk: int) -> WorklistItem:
    try:
        return selectors.worklist_item_get(user=request.user, pk=pk)
    except WorklistItem.DoesNotExist:
        raise Http404 from None


class ItemListView(APIView):
    """GET: the items the user can see, filtered like the page (category, entity, flow, status, assignee,
    age_min, due, amount_min, amount_max, q, tag) and sorted by `sort` (due, -due, created, -created)."""

    required_perms = {"GET": VIEW}

    def get(self, request):
        form, filters = filter_from_query(request.query_params)
        if form.errors:
            return form_error_response(form)
        items = selectors.worklist_item_list(user=request.user, filters=filters).select_related("document")
        return paginate(request, items, request.query_params.get("sort", "due"), WorklistItemSerializer)


class ItemDetailView(APIView):
    required_perms = {"GET": VIEW}

    def get(self, request, pk: int):
        item = visible_item(request, pk)
        data = WorklistItemSerializer(item).data
        data["comments"] = WorklistCommentSerializer(item.comments.select_related("author"), many=True).data
        return Response(data)


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


class BulkCreateView(APIView):
    """POST {kind, scope: selected|filter, ids?, assignee?, note?, query?} → 202 with the bulk action."""

    required_perms = {"POST": "worklist.add_bulkaction"}

    def post(self, request):
        form = BulkForm(request.data)
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


class BulkDetailView(APIView):
    required_perms = {"GET": "worklist.view_bulkaction"}

    def get(self, request, pk: int):
        try:
            action = selectors.bulk_action_get(user=request.user, pk=pk)
        except BulkAction.DoesNotExist:
            raise Http404 from None
        return Response(BulkActionSerializer(action).data)
