from django.urls import path

from apps.connectors import views

app_name = "connectors"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/test/", views.test, name="test"),
    path("<slug:slug>/grant/", views.grant, name="grant"),
    path("<slug:slug>/credentials/new/", views.credential_add, name="credential_add"),
    path("credentials/<int:pk>/", views.credential, name="credential"),
    path("versions/<int:pk>/test/", views.version_action, {"action": "test"}, name="version_test"),
    path("versions/<int:pk>/approve/", views.version_action, {"action": "approve"}, name="version_approve"),
    path("versions/<int:pk>/activate/", views.version_action, {"action": "activate"}, name="version_activate"),
    path("versions/<int:pk>/revoke/", views.version_action, {"action": "revoke"}, name="version_revoke"),
]
