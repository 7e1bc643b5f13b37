from django.urls import path

from apps.reporting.api import views

# Each page of apps/reporting/urls.py has its twin here (tests/reporting/test_api_twins.py holds the pairs).
urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("runs/", views.ReportingRunList.as_view(), name="run-list"),
    path("run/<slug:kind>/", views.RunNow.as_view(), name="run-now"),
    path("reconciliations/", views.ReconciliationList.as_view(), name="reconciliation-list"),
    path("reconciliations/<int:pk>/", views.ReconciliationView.as_view(), name="reconciliation-detail"),
    path(
        "reconciliations/<int:pk>/differences/",
        views.ReconciliationDifferenceList.as_view(),
        name="reconciliation-differences",
    ),
    path("reconciliations/<int:pk>/export/", views.ReconciliationExport.as_view(), name="reconciliation-export"),
    path("extracts/", views.ExtractDownload.as_view(), name="extract"),
]
