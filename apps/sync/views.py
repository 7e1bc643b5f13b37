"""Flow and run pages: thin callers of selectors and services."""

import csv

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.access.decorators import permission_required
from apps.access.permissions import require
from apps.connectors.odoo.profiles import profile_for
from apps.documents.selectors import document_list
from apps.sync import selectors
from apps.sync.posting.fieldmap import field_map
from apps.sync.services.runs import FlowError, sync_run_create
from apps.sync.services.schedules import flow_schedule


def _major(flow) -> int:
    digits = "".join(ch for ch in (flow.target.health_server_version or "17").split(".")[0] if ch.isdigit())
    return int(digits or 17)


def _fieldmap_rows(flow, user) -> list[dict]:
    rows = field_map(profile_for(_major(flow)), flow.posting_mode)
    sets = selectors.active_mapping_versions(flow, user)
    for row in rows:
        dims = {d.strip() for d in row["dimension"].split(",") if d.strip()}
        row["mapping"] = ", ".join(f"{s['entity']} {s['set']} v{s['version']}" for s in sets if s["dimension"] in dims)
    return rows


@permission_required("sync.view_flow")
def index(request):
    return render(request, "sync/flow_list.html", {"flows": selectors.flow_list(request.user)})


@permission_required("sync.view_flow")
def flow_detail(request, slug):
    flow = selectors.flow_get(request.user, slug)
    context = {"flow": flow, "runs": flow.runs.all()[:20], "fieldmap": _fieldmap_rows(flow, request.user),
               "odoo_major": _major(flow), "schedule": flow_schedule(flow)}  # fmt: skip
    return render(request, "sync/flow_detail.html", context)


@permission_required("sync.view_flow")
def flow_fieldmap_csv(request, slug):
    flow = selectors.flow_get(request.user, slug)
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{flow.slug}-field-map.csv"'
    writer = csv.DictWriter(response, fieldnames=["canonical", "model", "field", "dimension", "mapping", "note"])
    writer.writeheader()
    writer.writerows(_fieldmap_rows(flow, request.user))
    return response


@require_POST
@permission_required("sync.view_flow")
def flow_run(request, slug):
    flow = selectors.flow_get(request.user, slug)
    require(request.user, "sync.run_flow", flow, message="You may not run this flow.")
    try:
        run = sync_run_create(flow=flow, trigger="manual", actor=request.user)
    except FlowError as error:
        messages.error(request, str(error))
        return redirect("sync:flow_detail", slug=flow.slug)
    return redirect("sync:run_detail", pk=run.pk)


@permission_required("sync.view_syncrun")
def run_detail(request, pk):
    run = selectors.run_get(request.user, pk)
    # A run may span entities: list only the documents the user may see (the documents' entity scope).
    visible = document_list(user=request.user).values("pk")
    outcomes = run.outcomes.filter(document__in=visible).select_related("document")[:500]
    return render(request, "sync/syncrun_detail.html", {"run": run, "outcomes": outcomes})


@permission_required("sync.view_syncrun")
def run_progress(request, pk):
    return render(request, "sync/syncrun_progress.html", {"run": selectors.run_get(request.user, pk)})
