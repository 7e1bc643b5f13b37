"""/api/v1/reporting/: the reporting pages as an API — the operations dashboard, reconciliations (list, run,
detail, drill-down to each difference, CSV/XLSX export), extracts of the reporting store (CSV/Parquet), the
reporting runs and "run now" (publication, reimbursement status back, master data).

Thin callers of the selectors and services the pages use (apps/reporting/views.py), with the pages' permissions
(apps/reporting/roles.py) and their forms for input, so a check cannot differ between the two front doors:
- dashboard and reporting runs: `reporting.view_dashboard`, entity scope as on the page;
- reconciliations: `view_reconciliationrun` for the entities in scope (another entity's run is a 404), running
  one `add_reconciliationrun` (the service also checks the entity), exports `export_reconciliationrun`;
- extracts: `download_extract`, the entity among the caller's (auditors: all);
- run now: `run_reporting` (controllers, IT; auditors change nothing).
Downloads go through the pages' writer (apps/reporting/exports.py): CSV streamed, formula-like text neutralised.
"""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.errors import Unprocessable
from apps.access.api.schema import error_responses
from apps.access.api_filters import cursor_pagination
from apps.access.permissions import can
from apps.reporting import exports
from apps.reporting.api import serializers as s
from apps.reporting.forms import ExtractForm, PeriodForm
from apps.reporting.models import ReportingRun, ReportingRunKind
from apps.reporting.selectors import reconciliation as recon
from apps.reporting.selectors.dashboard import PERIODS, DashboardQuery, DashboardQueryError, dashboard_data
from apps.reporting.selectors.extracts import PERM as EXTRACT
from apps.reporting.selectors.extracts import extract_entities, extract_rows
from apps.reporting.selectors.scope import sees_unscoped
from apps.reporting.services.reconciliation import MAX_DAYS, ReconciliationError, reconciliation_request
from apps.reporting.services.runs import UnknownTask, run_request
from apps.reporting.tasks import TASKS
from apps.reporting.views import reconciliation_download

MAX_DIFFERENCES = 5000
DASHBOARD, RUN, CREATE = "reporting.view_dashboard", "reporting.run_reporting", "reporting.add_reconciliationrun"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARQUET = "application/vnd.apache.parquet"


class FileFormatNegotiation(DefaultContentNegotiation):
    """`?format=` names the file to download, not one of DRF's renderers (whose format override would answer
    404 to the documented values); errors still render as JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def bound_form(form_class: type[forms.Form], data, **kwargs) -> forms.Form:
    """The page's form bound to query parameters or a request body. A JSON body must be an object of single
    values: the forms expect what a browser sends, and a list or an object would crash inside them (a 500)."""
    if isinstance(data, QueryDict):
        return form_class(data, **kwargs)
    if not isinstance(data, Mapping):
        raise ValidationError({"non_field_errors": "Send a JSON object of fields."})
    values, problems = {}, {}
    for name, value in data.items():
        if name not in form_class.base_fields:
            continue  # unknown keys are ignored, as a form ignores them
        if isinstance(value, dict | list):
            problems[name] = "A single value, not a list or an object."
        elif value is not None:
            values[name] = value if isinstance(value, bool) else str(value)
    if problems:
        raise ValidationError(problems)
    return form_class(values, **kwargs)


def _valid(form: forms.Form) -> forms.Form:
    if not form.is_valid():
        raise ValidationError(form.errors)
    return form


PERIOD_PARAMETERS = [
    OpenApiParameter("entity", str, required=True, description="Legal entity code (one of yours)."),
    OpenApiParameter("month", str, description="A month, YYYY-MM (or give start and end)."),
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day (with end, instead of month)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description=f"Last day; at most {MAX_DAYS} days after start."),
]


# --- dashboard -------------------------------------------------------------------------------------------


@extend_schema(
    parameters=[
        OpenApiParameter("period", str, enum=[*PERIODS, "month", "custom"],
                         description="24h (default), 7d, 30d, month (to date) or custom (with from and to)."),
        OpenApiParameter("entity", str, description="Legal entity code (default: every entity you may see)."),
        OpenApiParameter("from", OpenApiTypes.DATE, description="First day, for period=custom."),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, for period=custom."),
    ],
    responses={200: inline_serializer(
        "Dashboard",
        {
            "period": inline_serializer(
                "DashboardPeriod",
                {"start": serializers.DateTimeField(), "end": serializers.DateTimeField(),
                 "label": serializers.CharField()},
            ),
            "entities": serializers.ListField(child=serializers.CharField()),
            "kpis": serializers.DictField(help_text="Figure name → value (null when there is nothing to divide)."),
            "charts": serializers.DictField(help_text="Chart name → {labels, values, …}."),
            "exceptions": serializers.DictField(help_text="Open worklist items by category and age."),
            "connectors": s.DashboardConnectorSerializer(many=True, help_text="Health and credential expiry."),
            "runs": s.DashboardRunSerializer(many=True, help_text="Last run per flow and per reporting task."),
        },
    ), **error_responses(400)},
)  # fmt: skip
class DashboardView(APIView):
    """GET: the operations dashboard's figures for a period and entity — KPIs, charts, open exceptions,
    connector health and the last run per flow, as on the page."""

    required_perms = {"GET": DASHBOARD}

    def get(self, request):
        try:
            query = DashboardQuery.parse(request.user, request.query_params)
        except DashboardQueryError as error:
            raise ValidationError({error.field: str(error)}) from None
        data = dashboard_data(user=request.user, query=query)
        return Response({"period": {"start": query.start, "end": query.end, "label": query.label},
                         "entities": list(query.codes), "kpis": data["kpis"], "charts": data["charts"],
                         "exceptions": data["exceptions"],
                         "connectors": s.DashboardConnectorSerializer(data["connectors"], many=True).data,
                         "runs": s.DashboardRunSerializer(data["runs"], many=True).data})  # fmt: skip


# --- reporting runs and "run now" ------------------------------------------------------------------------


class ReportingRunList(generics.ListAPIView):
    """GET: runs of the reporting tasks (publication, status back, master data, reconciliation schedule),
    newest first — what the dashboard's last-run table shows, for following a "run now"."""

    required_perms = {"GET": DASHBOARD}
    serializer_class = s.ReportingRunSerializer
    filter_fields = {"kind": "kind__in", "status": "status__in"}
    pagination_class = cursor_pagination("-started_at")

    def get_queryset(self):
        user = self.request.user
        # As the dashboard: whoever sees the whole house's operations, or may run the tasks.
        if not (sees_unscoped(user) or can(user, RUN)):
            return ReportingRun.objects.none()
        return ReportingRun.objects.select_related("requested_by")


class RunNow(APIView):
    """POST: queue a reporting task now, as the dashboard's buttons do — `publication`, `reimbursement_status`
    (read payment states from Odoo and send them back) or `master_data` (push master data to the platforms).
    Follow it at /api/v1/reporting/runs/?kind=…; a task already running makes the new one a no-op."""

    required_perms = {"POST": RUN}

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(TASKS))],
        responses={202: s.RunRequestSerializer, **error_responses(403, 404)},
    )
    def post(self, request, kind: str):
        try:
            run_request(kind=kind, actor=request.user)
        except UnknownTask as error:
            raise NotFound(str(error)) from None
        last = ReportingRun.objects.filter(kind=kind).order_by("-started_at", "-id").first()
        body = {"kind": kind, "status": "queued", "detail": f"{ReportingRunKind(kind).label}: queued.",
                "last_run": s.ReportingRunSerializer(last).data if last else None}  # fmt: skip
        return Response(body, status=status.HTTP_202_ACCEPTED)


# --- reconciliations -------------------------------------------------------------------------------------


class ReconciliationList(generics.ListAPIView):
    """GET: reconciliations of your entities (auditors: all), newest first. POST {entity, month | start, end}:
    queue one (a worker reads the four sides; follow it at /api/v1/reporting/reconciliations/{id}/)."""

    required_perms = {"GET": recon.VIEW, "POST": CREATE}
    serializer_class = s.ReconciliationRunSerializer
    filter_fields = {"entity": "entity__code", "status": "status__in"}
    ordering_fields = {"created": "created_at", "period_start": "period_start"}
    pagination_class = cursor_pagination("-created_at")

    def get_queryset(self):
        return recon.reconciliation_list(user=self.request.user).select_related("requested_by")

    @extend_schema(
        request=inline_serializer("ReconciliationRequest", {
            "entity": serializers.CharField(help_text="Legal entity code (one of yours)."),
            "month": serializers.CharField(required=False, help_text="YYYY-MM (or give start and end)."),
            "start": serializers.DateField(required=False, help_text="First day (with end, instead of month)."),
            "end": serializers.DateField(required=False, help_text=f"Last day; at most {MAX_DAYS} days."),
        }),
        responses={202: s.ReconciliationRunSerializer, **error_responses(400, 403, 422)},
    )  # fmt: skip
    def post(self, request):
        form = _valid(bound_form(PeriodForm, request.data, entities=recon.reconciliation_entities(request.user)))
        start, end = form.period
        try:
            run = reconciliation_request(entity=form.cleaned_data["entity_obj"], start=start, end=end,
                                         actor=request.user)  # fmt: skip
        except ReconciliationError as error:
            raise Unprocessable(str(error), code="reconciliation_refused") from None
        return Response(s.ReconciliationRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


DIFFERENCE_FILTERS = [
    OpenApiParameter("kind", str, description="Only differences of this kind (see the summary's differences)."),
    OpenApiParameter("q", str, description="Part of the document key or source id."),
]


def _differences(request, run):
    return recon.reconciliation_differences(
        run, kind=request.query_params.get("kind", "")[:200], q=request.query_params.get("q", "").strip()[:200]
    )


@extend_schema(
    parameters=DIFFERENCE_FILTERS,
    responses={200: inline_serializer(
        "Reconciliation",
        {
            "id": serializers.IntegerField(), "entity": serializers.CharField(),
            "period_start": serializers.DateField(), "period_end": serializers.DateField(),
            "status": serializers.CharField(), "summary": serializers.DictField(),
            "differences_count": serializers.IntegerField(),
            "differences": s.ReconciliationDifferenceSerializer(many=True),
        },
    ), **error_responses(404)},
)  # fmt: skip
class ReconciliationView(APIView):
    """GET: one reconciliation — counts and totals per side and its differences (the first 5,000; page through
    all of them at …/differences/)."""

    required_perms = {"GET": recon.VIEW}

    def get(self, request, pk: int):
        run = recon.reconciliation_get(user=request.user, pk=pk)
        differences = _differences(request, run)
        return Response({
            "id": run.pk, "entity": run.entity.code, "period_start": run.period_start, "period_end": run.period_end,
            "status": run.status, "summary": run.summary, "differences_count": run.differences_count,
            "differences": s.ReconciliationDifferenceSerializer(differences[:MAX_DIFFERENCES], many=True).data,
        })  # fmt: skip


@extend_schema(parameters=DIFFERENCE_FILTERS)
class ReconciliationDifferenceList(generics.ListAPIView):
    """GET: the drill-down — every document missing or differing on a side of one reconciliation, with what
    each side holds for it."""

    required_perms = {"GET": recon.VIEW}
    serializer_class = s.ReconciliationDifferenceSerializer
    pagination_class = cursor_pagination("id", page_size=100)

    def get_queryset(self):
        return _differences(self.request, recon.reconciliation_get(user=self.request.user, pk=self.kwargs["pk"]))


class ReconciliationExport(APIView):
    """GET: one reconciliation as a file, as the page's export — CSV (the differences, streamed) or XLSX (a
    summary sheet and a differences sheet). Text a spreadsheet would run as a formula is written as text."""

    required_perms = {"GET": recon.EXPORT}
    content_negotiation_class = FileFormatNegotiation

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["csv", "xlsx"], description="csv (default) or xlsx.")],
        responses={(200, "text/csv"): OpenApiTypes.BINARY, (200, XLSX): OpenApiTypes.BINARY,
                   **error_responses(400, 404)},
    )  # fmt: skip
    def get(self, request, pk: int):
        run = recon.reconciliation_get(user=request.user, pk=pk)
        fmt = request.query_params.get("format") or "csv"
        if fmt not in ("csv", "xlsx"):
            raise ValidationError({"format": "csv or xlsx."})
        return reconciliation_download(run, fmt)


# --- extracts --------------------------------------------------------------------------------------------


class ExtractDownload(APIView):
    """GET ?entity=…&month=YYYY-MM (or start/end)&format=csv|parquet: the reporting store's expense lines of one
    entity with an expense date in the period — CSV (streamed) or Parquet (typed columns), as the extract page."""

    required_perms = {"GET": EXTRACT}
    content_negotiation_class = FileFormatNegotiation

    @extend_schema(
        parameters=[*PERIOD_PARAMETERS, OpenApiParameter("format", str, enum=["csv", "parquet"],
                                                         description="csv (default) or parquet.")],
        responses={(200, "text/csv"): OpenApiTypes.BINARY, (200, PARQUET): OpenApiTypes.BINARY,
                   **error_responses(400, 403)},
    )  # fmt: skip
    def get(self, request):
        params = request.query_params.copy()
        params.setdefault("format", "csv")
        form = _valid(bound_form(ExtractForm, params, entities=extract_entities(request.user)))
        start, end = form.period
        entity = form.cleaned_data["entity_obj"]
        columns, rows = extract_rows(user=request.user, entity=entity, start=start, end=end)  # AccessDenied: 403
        name = f"expense-lines-{entity.code}-{start}-{end}"
        if form.cleaned_data["format"] == "parquet":
            response = HttpResponse(exports.parquet_bytes(columns, rows), content_type=PARQUET)
            response["Content-Disposition"] = f'attachment; filename="{name}.parquet"'
            return response
        response = StreamingHttpResponse(exports.csv_stream([c for c, _t in columns], rows), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
