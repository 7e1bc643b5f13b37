"""/api/v1/sync/: flows, Run now, dry runs, runs and their per-document outcomes — the flow pages as JSON.

Thin callers of apps.sync.selectors and services, with the pages' permissions: reading flows needs
sync.view_flow, runs sync.view_syncrun (both scoped to the flows the user may see, 404 outside them); Run now
and the dry run need sync.run_flow on the flow.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from apps.access.api.errors import ApiError, Conflict
from apps.access.api_filters import cursor_pagination
from apps.access.permissions import require
from apps.connectors.errors import ConnectorError, UndecryptableSecret
from apps.connectors.odoo.faults import OdooError
from apps.documents.selectors import document_list
from apps.sync import selectors
from apps.sync.api import serializers as s
from apps.sync.models import RunDocument, SyncRun
from apps.sync.services.dryrun import flow_dry_run
from apps.sync.services.runs import FlowError, sync_run_create
from apps.sync.services.schedules import flow_schedule
from apps.sync.views import _fieldmap_rows, _major

VIEW_FLOW, RUN_FLOW, VIEW_RUN = "sync.view_flow", "sync.run_flow", "sync.view_syncrun"


class FlowList(generics.ListAPIView):
    """GET: the flows you may see, by name."""

    required_perms = {"GET": VIEW_FLOW}
    serializer_class = s.FlowSerializer
    filter_fields = {
        "trigger": "trigger__in",
        "object_type": "object_type__in",
        "posting_mode": "posting_mode__in",
        "enabled": "enabled",
        "entity": "entities__code",
    }
    ordering_fields = {"name": "name", "created": "created_at", "updated": "updated_at"}
    pagination_class = cursor_pagination("name")

    def get_queryset(self):
        return selectors.flow_list(self.request.user).select_related("owner").prefetch_related("entities")


class FlowDetail(generics.RetrieveAPIView):
    """GET: one flow with its schedule (cron, next run), recent runs and field-mapping documentation (which
    canonical field lands in which Odoo model/field for the target's Odoo version, through which mapping set)."""

    required_perms = {"GET": VIEW_FLOW}
    serializer_class = s.FlowDetailSerializer

    def get_object(self):
        return selectors.flow_get(self.request.user, self.kwargs["slug"])

    def retrieve(self, request, *args, **kwargs):
        flow = self.get_object()
        context = {**self.get_serializer_context(), "schedule": flow_schedule(flow), "odoo_major": _major(flow),
                   "field_map": _fieldmap_rows(flow, request.user)}  # fmt: skip
        return Response(s.FlowDetailSerializer(flow, context=context).data)


class FlowRun(generics.GenericAPIView):
    """POST: Run now — queue a run of the flow (as the page's button does) and answer it; follow its progress
    at /api/v1/sync/runs/{id}/. 409 when the flow cannot run (e.g. disabled)."""

    required_perms = {"POST": VIEW_FLOW}  # as the page: see the flow; the service requires run_flow on it
    serializer_class = s.RunSerializer

    @extend_schema(request=None, responses={202: s.RunSerializer})
    def post(self, request, slug):
        flow = selectors.flow_get(request.user, slug)
        try:
            run = sync_run_create(flow=flow, trigger="manual", actor=request.user)
        except FlowError as error:
            raise Conflict(str(error), code="flow_cannot_run") from None
        return Response(s.RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class FlowDryRun(generics.GenericAPIView):
    """GET: what Run now would post — the exact Odoo payloads per document and what Odoo already holds for them.
    Writes nothing (reads Odoo only). 502 when Odoo cannot be read, 409 when the target has no usable credential."""

    required_perms = {"GET": VIEW_FLOW}  # plus run_flow on the flow, checked below (object permissions count)
    serializer_class = s.DryRunSerializer

    @extend_schema(
        responses={
            200: s.DryRunSerializer,
            409: OpenApiResponse(description="No usable credential"),
            502: OpenApiResponse(description="Odoo could not be read"),
        }
    )
    def get(self, request, slug):
        flow = selectors.flow_get(request.user, slug)
        require(request.user, RUN_FLOW, flow, message="You may not run this flow.")
        try:
            items = flow_dry_run(flow=flow)
        except (ConnectorError, UndecryptableSecret) as error:
            raise Conflict(str(getattr(error, "message", error)), code="credential_unavailable") from None
        except OdooError as error:
            raise ApiError(f"Odoo could not be read: {error}", status_code=502, code="odoo_unavailable") from None
        return Response(s.DryRunSerializer({"flow": flow.slug, "count": len(items), "results": items}).data)


class RunList(generics.ListAPIView):
    """GET: runs of the flows you may see, newest first."""

    required_perms = {"GET": VIEW_RUN}
    serializer_class = s.RunSerializer
    filter_fields = {"flow": "flow__slug", "status": "status__in", "trigger": "trigger__in"}
    ordering_fields = {"created": "created_at", "started": "started_at", "finished": "finished_at"}
    pagination_class = cursor_pagination("-id")

    def get_queryset(self):
        flows = selectors.flow_list(self.request.user).values("pk")
        return SyncRun.objects.filter(flow__in=flows).select_related("flow", "requested_by")


class RunDetail(generics.RetrieveAPIView):
    """GET: one run with its counts and progress (poll it while `finished` is false)."""

    required_perms = {"GET": VIEW_RUN}
    serializer_class = s.RunSerializer

    def get_object(self):
        return selectors.run_get(self.request.user, self.kwargs["pk"])


class RunDocuments(generics.ListAPIView):
    """GET: the outcome of each document in the run (posted, duplicate, held, failed, rejected, retry, skipped),
    for the documents you may see (entity scope)."""

    required_perms = {"GET": VIEW_RUN}
    serializer_class = s.RunDocumentSerializer
    filter_fields = {"outcome": "outcome__in"}
    pagination_class = cursor_pagination("id")

    def get_queryset(self):
        run = selectors.run_get(self.request.user, self.kwargs["pk"])
        # A run may span entities: only the documents the user may see (documents' own scope) are listed.
        visible = document_list(user=self.request.user).values("pk")
        return RunDocument.objects.filter(run=run, document__in=visible).select_related("document")
