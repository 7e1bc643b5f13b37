"""Mounted at /api/v1/access/ (namespace access-api) by integration_console/api_urls.py."""

from django.urls import path

from apps.access.api import tokens

urlpatterns = [
    path("tokens/", tokens.TokenList.as_view(), name="token-list"),
    path("tokens/<int:pk>/", tokens.TokenDetail.as_view(), name="token-detail"),
    path("tokens/<int:pk>/revoke/", tokens.TokenRevoke.as_view(), name="token-revoke"),
]
