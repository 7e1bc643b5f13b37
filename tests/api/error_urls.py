"""A URLconf of small API views that fail in every way the error handler must shape (tests/api/test_errors.py)."""

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError
from django.urls import include, path
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.errors import Conflict, Unprocessable
from apps.access.permissions import AccessDenied

FAILURES = {
    "django-validation": lambda: ValidationError(
        {"amount": ["Must be positive."], "__all__": ["Lines do not add up."]}
    ),
    "access-denied": lambda: AccessDenied("Only another controller may approve this version (maker-checker)."),
    "missing": lambda: ObjectDoesNotExist(),
    "integrity": lambda: IntegrityError("UNIQUE constraint failed: secret_table.secret_column"),
    "conflict": lambda: Conflict("The run is already going.", code="run_in_progress"),
    "unprocessable": lambda: Unprocessable("The period is closed in Odoo.", fields={"date": "Closed period."}),
    "throttled": lambda: exceptions.Throttled(wait=7),
    "bug": lambda: ValueError("internal detail: password=hunter2"),
}


class Fails(APIView):
    required_perms = {"GET": "access.hold_apitoken", "POST": "access.hold_apitoken"}

    def get(self, request, kind):
        raise FAILURES[kind]()

    def post(self, request, kind):
        return Response({"echo": request.data})


class LegacyBody(APIView):
    required_perms = {"GET": "access.hold_apitoken"}

    def get(self, request):
        return Response({"detail": "Invalid input; nothing was changed.", "fields": {"amount_min": "A number."}}, 400)


urlpatterns = [
    path("api/test/fails/<str:kind>/", Fails.as_view()),
    path("api/test/legacy/", LegacyBody.as_view()),
    path("", include("integration_console.urls")),
]
