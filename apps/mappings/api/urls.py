from django.urls import path

from apps.mappings.api import views

urlpatterns = [
    path("sets/", views.SetList.as_view(), name="sets"),
    path("sets/<int:pk>/", views.SetDetail.as_view(), name="set-detail"),
    path("sets/<int:pk>/draft/", views.SetDraft.as_view(), name="set-draft"),
    path("versions/<int:pk>/", views.VersionDetail.as_view(), name="version-detail"),
    path("versions/<int:pk>/rules/", views.VersionRules.as_view(), name="version-rules"),
    path("versions/<int:pk>/configure/", views.VersionConfigure.as_view(), name="version-configure"),
    path("versions/<int:pk>/diff/", views.VersionDiff.as_view(), name="version-diff"),
    path("versions/<int:pk>/preview/", views.VersionPreview.as_view(), name="version-preview"),
    path("versions/<int:pk>/export/", views.VersionExport.as_view(), name="version-export"),
    path("versions/<int:pk>/import/", views.VersionImport.as_view(), name="version-import"),
    *[
        path(
            f"versions/<int:pk>/{action}/", views.VersionAction.as_view(), {"action": action}, name=f"version-{action}"
        )
        for action in views.ACTIONS
    ],
    path("rules/<int:pk>/", views.RuleDetail.as_view(), name="rule-detail"),
    path("master-data/", views.MasterData.as_view(), name="master-data"),
    path("master-data/refresh/", views.MasterDataRefresh.as_view(), name="master-data-refresh"),
]
