"""Read-only JSON of the dashboard figures and of one reconciliation (for scripts and other tools)."""

from __future__ import annotations

from rest_framework.response import Response
from rest_framework.views import APIView

from apps.reporting.selectors import reconciliation as recon
from apps.reporting.selectors.dashboard import DashboardQuery, DashboardQueryError, dashboard_data

MAX_DIFFERENCES = 5000


class DashboardView(APIView):
    required_perms = {"GET": "reporting.view_dashboard"}

    def get(self, request):
        try:
            query = DashboardQuery.parse(request.user, request.query_params)
        except DashboardQueryError as error:
            return Response({"errors": [{"field": error.field, "message": str(error)}]}, status=400)
        data = dashboard_data(user=request.user, query=query)
        return Response({"period": {"start": query.start, "end": query.end, "label": query.label},
                         "entities": list(query.codes), "kpis": data["kpis"], "charts": data["charts"],
                         "exceptions": data["exceptions"]})  # fmt: skip


class ReconciliationView(APIView):
    required_perms = {"GET": recon.VIEW}

    def get(self, request, pk: int):
        run = recon.reconciliation_get(user=request.user, pk=pk)
        differences = recon.reconciliation_differences(run, kind=request.query_params.get("kind", ""))
        return Response({
            "id": run.pk, "entity": run.entity.code, "period_start": run.period_start, "period_end": run.period_end,
            "status": run.status, "summary": run.summary, "differences_count": run.differences_count,
            "differences": [{"document": d.document_key, "source_id": d.source_id, "kind": d.kind,
                             "message": d.message, "sides": d.sides} for d in differences[:MAX_DIFFERENCES]],
        })  # fmt: skip
