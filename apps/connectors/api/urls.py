from django.urls import path

from apps.connectors.api import views

urlpatterns = [
    path("", views.ConnectorList.as_view(), name="connector-list"),
    path("versions/<int:pk>/", views.VersionDetail.as_view(), name="version-detail"),
    path("versions/<int:pk>/test/", views.VersionTest.as_view(), {"action": "test"}, name="version-test"),
    path("versions/<int:pk>/approve/", views.VersionAction.as_view(), {"action": "approve"}, name="version-approve"),
    path("versions/<int:pk>/activate/", views.VersionAction.as_view(), {"action": "activate"}, name="version-activate"),
    path("versions/<int:pk>/revoke/", views.VersionAction.as_view(), {"action": "revoke"}, name="version-revoke"),
    path("<slug:slug>/", views.ConnectorDetail.as_view(), name="connector-detail"),
    path("<slug:slug>/test/", views.ConnectorTest.as_view(), name="connector-test"),
    path("<slug:slug>/grants/", views.ConnectorGrant.as_view(), name="connector-grant"),
    path("<slug:slug>/credentials/", views.CredentialList.as_view(), name="credential-list"),
]
