from django.urls import path

from apps.worklist.api import actions, misc, views

urlpatterns = [
    path("items/", views.ItemListView.as_view(), name="item-list"),
    path("items/<int:pk>/", views.ItemDetailView.as_view(), name="item-detail"),
    path("counts/", views.CountsView.as_view(), name="counts"),
    path("bulk/", views.BulkCreateView.as_view(), name="bulk-create"),
    path("bulk/<int:pk>/", views.BulkDetailView.as_view(), name="bulk-detail"),
    *[path(f"items/<int:pk>/{name}/", view.as_view(), name=f"item-{name}") for name, view in actions.ACTIONS.items()],
    path("filters/", misc.SavedFilterList.as_view(), name="filter-list"),
    path("filters/<int:pk>/", misc.SavedFilterDetail.as_view(), name="filter-detail"),
    path("runbooks/", misc.RunbookList.as_view(), name="runbook-list"),
    path("runbooks/<slug:category>/", misc.RunbookDetail.as_view(), name="runbook-detail"),
    path("close-calendar/", misc.ClosePeriodList.as_view(), name="close-calendar"),
]
