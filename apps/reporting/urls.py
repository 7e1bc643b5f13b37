from django.urls import path

from apps.reporting import views

app_name = "reporting"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("run/<slug:kind>/", views.run_now, name="run_now"),
    path("reconciliations/", views.reconciliation_list, name="reconciliation_list"),
    path("reconciliations/run/", views.reconciliation_create, name="reconciliation_create"),
    path("reconciliations/<int:pk>/", views.reconciliation_detail, name="reconciliation_detail"),
    path("reconciliations/<int:pk>/export.<str:fmt>", views.reconciliation_export, name="reconciliation_export"),
    path("extracts/", views.extract, name="extract"),
]
