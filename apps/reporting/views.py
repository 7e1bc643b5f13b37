"""Pages of the reporting app: the operations dashboard, reconciliations (list, run, drill-down, export),
extracts and "run now". Thin: parse, call one selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.access.decorators import permission_required
from apps.access.permissions import AccessDenied
from apps.reporting import exports
from apps.reporting.forms import ExtractForm, PeriodForm
from apps.reporting.selectors import reconciliation as recon
from apps.reporting.selectors.dashboard import DashboardQuery, DashboardQueryError, dashboard_data
from apps.reporting.selectors.extracts import extract_entities, extract_rows
from apps.reporting.selectors.scope import operations_entities
from apps.reporting.services.reconciliation import ReconciliationError, reconciliation_request
from apps.reporting.services.runs import UnknownTask, run_request

RUN_LABELS = [
    ("publication", "Publish now"),
    ("reimbursement_status", "Read payment states now"),
    ("master_data", "Push master data now"),
]


@permission_required("reporting.view_dashboard")
def dashboard(request):
    error, data, query = None, None, None
    try:
        query = DashboardQuery.parse(request.user, request.GET)
        data = dashboard_data(user=request.user, query=query)
    except DashboardQueryError as problem:
        error = problem
    context = {"query": query, "data": data, "error": error, "entities": operations_entities(request.user),
               "params": request.GET, "charts": data["charts"] if data else {},
               "can_run": request.user.has_perm("reporting.run_reporting"), "tasks": RUN_LABELS}  # fmt: skip
    return render(request, "reporting/dashboard.html", context, status=400 if error else 200)


@permission_required(recon.VIEW)
def reconciliation_list(request):
    entities = recon.reconciliation_entities(request.user)
    runs = Paginator(recon.reconciliation_list(user=request.user, entity=request.GET.get("entity", "")), 50)
    form = PeriodForm(entities=entities) if request.user.has_perm("reporting.add_reconciliationrun") else None
    return render(request, "reporting/reconciliationrun_list.html",
                  {"page": runs.get_page(request.GET.get("page")), "form": form, "entities": entities})  # fmt: skip


@require_POST
@permission_required("reporting.add_reconciliationrun")
def reconciliation_create(request):
    form = PeriodForm(request.POST, entities=recon.reconciliation_entities(request.user))
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
        return redirect("reporting:reconciliation_list")
    start, end = form.period
    try:
        run = reconciliation_request(entity=form.cleaned_data["entity_obj"], start=start, end=end, actor=request.user)
    except ReconciliationError as error:
        messages.error(request, str(error))
        return redirect("reporting:reconciliation_list")
    messages.success(request, f"Reconciliation of {run.entity.code} {start}…{end} queued.")
    return redirect("reporting:reconciliation_detail", pk=run.pk)


@permission_required(recon.VIEW)
def reconciliation_detail(request, pk: int):
    run = recon.reconciliation_get(user=request.user, pk=pk)
    kind, q = request.GET.get("kind", ""), request.GET.get("q", "").strip()[:200]
    differences = Paginator(recon.reconciliation_differences(run, kind=kind, q=q), 100)
    return render(request, "reporting/reconciliationrun_detail.html", {
        "run": run, "page": differences.get_page(request.GET.get("page")), "kind": kind, "q": q,
        "kinds": sorted((run.summary or {}).get("differences", {}).items()),
        "can_export": recon.can_export(request.user),
        "sides": ["received", "ledger", "odoo", "reporting"],
    })  # fmt: skip


DIFFERENCE_HEADER = [
    "document_key",
    "source_id",
    "difference",
    "message",
    "received_state",
    "received_total",
    "ledger_postings",
    "odoo_records",
    "odoo_amounts",
    "reporting_rows",
    "reporting_total",
]


def _difference_row(d) -> list:
    sides = d.sides or {}
    received, odoo, store = sides.get("received") or {}, sides.get("odoo") or [], sides.get("reporting") or {}
    return [d.document_key, d.source_id, d.kind, d.message, received.get("state"), received.get("total"),
            (sides.get("ledger") or {}).get("postings"), " ".join(f"{r.get('name') or r.get('id')}:{r.get('state')}"
                                                                  for r in odoo),
            " ".join(str(r.get("amount")) for r in odoo), store.get("rows"), store.get("total")]  # fmt: skip


def _summary_rows(run) -> list[list]:
    summary = run.summary or {}
    return [[side, (summary.get(side) or {}).get("count"), (summary.get(side) or {}).get("total"),
             summary.get("currency")] for side in ("received", "ledger", "odoo", "reporting")]  # fmt: skip


@permission_required(recon.EXPORT)
def reconciliation_export(request, pk: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    return reconciliation_download(recon.reconciliation_get(user=request.user, pk=pk), fmt)


def reconciliation_download(run, fmt: str):
    """The reconciliation as a file (page and API): CSV streamed, XLSX with a summary sheet; formula-safe cells."""
    name = f"reconciliation-{run.entity.code}-{run.period_start}-{run.period_end}-{run.pk}"
    differences = recon.reconciliation_differences(run)
    if fmt == "xlsx":
        body = exports.xlsx_bytes([
            ("Summary", ["side", "count", "total", "currency"], _summary_rows(run)),
            ("Differences", DIFFERENCE_HEADER, (_difference_row(d) for d in differences.iterator())),
        ])  # fmt: skip
        response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        rows = (_difference_row(d) for d in differences.iterator())
        response = StreamingHttpResponse(exports.csv_stream(DIFFERENCE_HEADER, rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@permission_required("reporting.download_extract")
def extract(request):
    entities = extract_entities(request.user)
    form = ExtractForm(request.GET or None, entities=entities)
    if not request.GET or not form.is_valid():
        return render(request, "reporting/extract_form.html", {"form": form}, status=400 if request.GET else 200)
    start, end = form.period
    entity = form.cleaned_data["entity_obj"]
    try:
        columns, rows = extract_rows(user=request.user, entity=entity, start=start, end=end)
    except AccessDenied:
        return render(request, "reporting/extract_form.html", {"form": form}, status=403)
    name = f"expense-lines-{entity.code}-{start}-{end}"
    if form.cleaned_data["format"] == "parquet":
        response = HttpResponse(exports.parquet_bytes(columns, rows), content_type="application/vnd.apache.parquet")
        response["Content-Disposition"] = f'attachment; filename="{name}.parquet"'
        return response
    response = StreamingHttpResponse(exports.csv_stream([c for c, _t in columns], rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@require_POST
@permission_required("reporting.run_reporting")
def run_now(request, kind: str):
    try:
        run_request(kind=kind, actor=request.user)
    except UnknownTask:
        messages.error(request, "Unknown task.")
        return redirect("reporting:dashboard")
    messages.success(request, "Queued; the last-run table shows its outcome when it has finished.")
    return redirect("reporting:dashboard")
