"""API twins of the worklist pages beside the items: saved filters, runbooks and the close calendar.

Same forms, services and permissions as apps/worklist/views/misc.py:
- saved filters are the caller's own (anyone who may view the worklist, auditors included, keeps their own);
  someone else's filter is simply not found (404);
- runbooks are readable by whoever may view the worklist;
- the close calendar lists the periods of the caller's entities; saving needs `change_closeperiod` and the
  entity in scope (the service refuses otherwise: 403), so auditors and IT read and never write.
"""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.schema import error_responses, form_serializer
from apps.access.api_filters import cursor_pagination
from apps.access.permissions import entities_for
from apps.entities.models import LegalEntity
from apps.worklist import runbooks, selectors, services
from apps.worklist.api.serializers import (
    ClosePeriodSerializer,
    RunbookSerializer,
    RunbookSummarySerializer,
    SavedFilterSerializer,
)
from apps.worklist.api.views import VIEW, bound_form, error_response, form_error_response
from apps.worklist.errors import WorklistError
from apps.worklist.forms import ClosePeriodForm, SavedFilterForm
from apps.worklist.models import ClosePeriod, SavedFilter, WorklistCategory

CATEGORY_LABELS = dict(WorklistCategory.choices)


class SavedFilterList(ListAPIView):
    """GET: your saved filters, by name. POST {name, query}: save one (a filter of the same name is replaced)."""

    required_perms = {"GET": VIEW, "POST": VIEW}
    serializer_class = SavedFilterSerializer
    pagination_class = cursor_pagination("name")

    def get_queryset(self):
        return selectors.saved_filter_list(user=self.request.user)

    @extend_schema(
        request=form_serializer(SavedFilterForm, "SavedFilterInput"),
        responses={200: SavedFilterSerializer, **error_responses(400)},
    )
    def post(self, request):
        form = bound_form(SavedFilterForm, request.data)
        if not form.is_valid():
            return form_error_response(form)
        try:
            saved = services.saved_filter_save(
                owner=request.user, name=form.cleaned_data["name"], query=form.cleaned_data["query"]
            )
        except WorklistError as error:
            return error_response(error)
        return Response(SavedFilterSerializer(saved).data)


class SavedFilterDetail(APIView):
    """GET: one of your saved filters. DELETE: delete it. Anyone else's filter is not found (404)."""

    required_perms = {"GET": VIEW, "DELETE": VIEW}

    @extend_schema(responses={200: SavedFilterSerializer, **error_responses(404)})
    def get(self, request, pk: int):
        try:
            saved = selectors.saved_filter_list(user=request.user).get(pk=pk)
        except SavedFilter.DoesNotExist:
            raise Http404 from None
        return Response(SavedFilterSerializer(saved).data)

    @extend_schema(responses={204: None, **error_responses(404)})
    def delete(self, request, pk: int):
        try:
            services.saved_filter_delete(owner=request.user, pk=pk)
        except WorklistError:
            raise Http404 from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class RunbookList(APIView):
    """GET: the categories that have a runbook, with their labels."""

    required_perms = {"GET": VIEW}

    @extend_schema(operation_id="worklist_runbooks_list", responses=RunbookSummarySerializer(many=True))
    def get(self, request):
        rows = [
            {"category": category, "label": label}
            for category, label in WorklistCategory.choices
            if runbooks.runbook_text(category) is not None
        ]
        return Response(RunbookSummarySerializer(rows, many=True).data)


class RunbookDetail(APIView):
    """GET: a category's runbook, as written (Markdown) and as the page renders it (escaped HTML)."""

    required_perms = {"GET": VIEW}

    @extend_schema(
        operation_id="worklist_runbooks_retrieve",
        parameters=[
            OpenApiParameter("category", OpenApiTypes.STR, OpenApiParameter.PATH, enum=WorklistCategory.values)
        ],
        responses={200: RunbookSerializer, **error_responses(404)},
    )
    def get(self, request, category: str):
        text = runbooks.runbook_text(category)  # None for anything but a known category's file
        if text is None:
            raise Http404
        body = {"category": category, "label": CATEGORY_LABELS[category], "markdown": text}
        return Response(RunbookSerializer({**body, "html": str(runbooks.render(text))}).data)


class ClosePeriodList(ListAPIView):
    """GET: the close calendar of your entities (`?entity=FR,DE`). POST {entity, period_end, close_deadline}:
    set the close deadline of that entity's period (created or moved); open items of the entity follow it."""

    required_perms = {"GET": "worklist.view_closeperiod", "POST": "worklist.change_closeperiod"}
    serializer_class = ClosePeriodSerializer
    filter_fields = {"entity": "entity__code__in"}
    ordering_fields = {"period_end": "period_end", "close_deadline": "close_deadline"}
    pagination_class = cursor_pagination("-period_end")

    def get_queryset(self):
        return ClosePeriod.objects.filter(entity__in=entities_for(self.request.user)).select_related("entity")

    @extend_schema(
        request=form_serializer(ClosePeriodForm, "ClosePeriodInput"),
        responses={200: ClosePeriodSerializer, **error_responses(400, 403)},
    )
    def post(self, request):
        form = bound_form(ClosePeriodForm, request.data)
        if not form.is_valid():
            return form_error_response(form)
        data = form.cleaned_data
        entity = LegalEntity.objects.filter(code=data["entity"].strip().upper()).first()
        if entity is None:
            return Response(
                {
                    "detail": "Invalid input; nothing was changed.",
                    "fields": {"entity": "No legal entity has this code."},
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            # The service checks the capability and the entity's scope (AccessDenied → 403).
            period = services.close_period_save(
                entity=entity, period_end=data["period_end"], close_deadline=data["close_deadline"], actor=request.user
            )
        except WorklistError as error:
            return error_response(error)
        return Response(ClosePeriodSerializer(period).data)
