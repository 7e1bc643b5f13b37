from django.urls import path

from apps.reporting.api import views

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("reconciliations/<int:pk>/", views.ReconciliationView.as_view(), name="reconciliation-detail"),
]
