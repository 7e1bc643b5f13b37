from django.urls import path

from apps.mappings import views

app_name = "mappings"
urlpatterns = [
    path("", views.index, name="index"),
]
