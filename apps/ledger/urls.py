from django.urls import path

from apps.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:sequence>/", views.entry_detail, name="entry_detail"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("evidence/", views.evidence_pack, name="evidence_pack"),
]
