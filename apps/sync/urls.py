from django.urls import path

from apps.sync import views

app_name = "sync"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.flow_detail, name="flow_detail"),
    path("<slug:slug>/run/", views.flow_run, name="flow_run"),
    path("<slug:slug>/field-map.csv", views.flow_fieldmap_csv, name="flow_fieldmap_csv"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
]
