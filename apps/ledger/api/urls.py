from django.urls import path

from apps.ledger.api import views

urlpatterns = [
    path("entries/", views.LedgerEntryList.as_view(), name="entry-list"),
    path("entries/<int:sequence>/", views.LedgerEntryDetail.as_view(), name="entry-detail"),
    path("verification/", views.LedgerVerificationStatus.as_view(), name="verification"),
    path("export/", views.LedgerExport.as_view(), name="export"),
    path("evidence-pack/", views.LedgerEvidencePack.as_view(), name="evidence-pack"),
]
