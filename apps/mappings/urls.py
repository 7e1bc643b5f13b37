from django.urls import path

from apps.mappings import views

app_name = "mappings"
urlpatterns = [
    path("", views.index, name="index"),
    path("sets/new/", views.set_create, name="set_create"),
    path("sets/<int:pk>/", views.set_detail, name="set_detail"),
    path("sets/<int:pk>/draft/", views.set_draft_open, name="set_draft_open"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/rules/", views.rule_add, name="rule_add"),
    path("versions/<int:pk>/configure/", views.version_configure, name="version_configure"),
    path("versions/<int:pk>/diff/", views.version_diff, name="version_diff"),
    path("versions/<int:pk>/preview/", views.version_preview, name="version_preview"),
    path("versions/<int:pk>/export/", views.version_export, name="version_export"),
    path("versions/<int:pk>/import/", views.version_import, name="version_import"),
    path("versions/<int:pk>/submit/", views.version_action, {"action": "submit"}, name="version_submit"),
    path("versions/<int:pk>/withdraw/", views.version_action, {"action": "withdraw"}, name="version_withdraw"),
    path("versions/<int:pk>/approve/", views.version_action, {"action": "approve"}, name="version_approve"),
    path("versions/<int:pk>/reject/", views.version_action, {"action": "reject"}, name="version_reject"),
    path("versions/<int:pk>/restore/", views.version_action, {"action": "restore"}, name="version_restore"),
    path("versions/<int:pk>/discard/", views.version_action, {"action": "discard"}, name="version_discard"),
    # Fix and retry from the worklist: ?entity=&dimension=&source_value=&worklist_item= pre-fill the rule.
    path("rules/new/", views.rule_new, name="rule-new"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("master-data/", views.master_data, name="master_data"),
    path("master-data/refresh/", views.master_data_refresh, name="master_data_refresh"),
    path("targets/", views.target_search, name="target_search"),
]
