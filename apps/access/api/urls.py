"""Mounted at /api/v1/access/ (namespace access-api) by integration_console/api_urls.py."""

from django.urls import path

from apps.access.api import account, tokens

urlpatterns = [
    path("me/", account.Me.as_view(), name="me"),
    path("tokens/", tokens.TokenList.as_view(), name="token-list"),
    path("tokens/<int:pk>/", tokens.TokenDetail.as_view(), name="token-detail"),
    path("tokens/<int:pk>/revoke/", tokens.TokenRevoke.as_view(), name="token-revoke"),
]
