from django.urls import path

from apps.worklist.views import actions, item, listing, misc

app_name = "worklist"
urlpatterns = [
    path("", listing.index, name="index"),
    path("items/<int:pk>/", item.detail, name="item"),
    path("items/<int:pk>/assign/", actions.assign, name="assign"),
    path("items/<int:pk>/claim/", actions.claim, name="claim"),
    path("items/<int:pk>/comment/", actions.comment, name="comment"),
    path("items/<int:pk>/tag/", actions.tag, name="tag"),
    path("items/<int:pk>/retry/", actions.retry, name="retry"),
    path("items/<int:pk>/correct/", actions.correct, name="correct"),
    path("items/<int:pk>/duplicate/", actions.duplicate, name="duplicate"),
    path("items/<int:pk>/dismiss/", actions.dismiss, name="dismiss"),
    path("items/<int:pk>/snooze/", actions.snooze, name="snooze"),
    path("items/<int:pk>/resolve/", actions.resolve, name="resolve"),
    path("items/<int:pk>/replay/", actions.replay, name="replay"),
    path("bulk/", misc.bulk, name="bulk"),
    path("bulk/<int:pk>/", misc.bulk_detail, name="bulk-detail"),
    path("filters/", misc.filter_save, name="filter-save"),
    path("filters/<int:pk>/delete/", misc.filter_delete, name="filter-delete"),
    path("runbooks/<slug:category>/", misc.runbook, name="runbook"),
    path("close-calendar/", misc.close_calendar, name="calendar"),
    path("close-calendar/save/", misc.close_calendar_save, name="calendar-save"),
]
