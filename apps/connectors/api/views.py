"""/api/v1/connectors/: connectors, their health and credential metadata. Secrets go in once, never come out.

Every view requires a connectors capability (view_connector or add_connector); object scope comes from the
selectors (404 outside it) and the services' permission checks (403).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.permissions import can, require
from apps.connectors import selectors, services
from apps.connectors.api import serializers as s
from apps.connectors.errors import ConnectorError
from apps.connectors.models import Connector, CredentialVersion
from apps.entities.models import LegalEntity

READERS = ("connectors.view_connector", "connectors.add_connector")


class ConnectorCapability(BasePermission):
    def has_permission(self, request, view) -> bool:
        return any(can(request.user, perm) for perm in READERS)


class ByIdCursor(CursorPagination):
    ordering = "id"


class Base(APIView):
    permission_classes = [ConnectorCapability]

    def handle_exception(self, exc):
        if isinstance(exc, ValidationError):
            return Response({"errors": exc.message_dict}, status=status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, ConnectorError):
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, (Connector.DoesNotExist, CredentialVersion.DoesNotExist)):
            exc = Http404()
        return super().handle_exception(exc)

    def parsed(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def connector_out(self, connector):
        if selectors.can_see_configuration(self.request.user, connector):
            return s.ConnectorSerializer(connector).data
        return s.HealthSerializer(connector).data


def _entities(codes):
    if codes is None:
        return None
    found = list(LegalEntity.objects.filter(code__in=codes))
    missing = sorted(set(codes) - {e.code for e in found})
    if missing:
        raise ValidationError({"entities": f"Unknown legal entities: {', '.join(missing)}."})
    return found


class ConnectorList(Base):
    pagination_class = ByIdCursor  # read by the schema generator; get() paginates by hand (two serializers)

    @extend_schema(responses=s.ConnectorOutSerializer(many=True))
    def get(self, request):
        paginator = ByIdCursor()
        page = paginator.paginate_queryset(
            selectors.connector_list(request.user).prefetch_related("entities"), request, view=self
        )
        return paginator.get_paginated_response([self.connector_out(c) for c in page])

    @extend_schema(request=s.ConnectorInputSerializer, responses={201: s.ConnectorOutSerializer})
    @method_decorator(sensitive_variables("data", "extra"))
    def post(self, request):
        require(request.user, "connectors.add_connector", message="Only integration admins can register connectors.")
        data = self.parsed(s.ConnectorInputSerializer)
        extra = {
            k: data.pop(k) for k in ("reason", "initial_secret", "initial_secret_kind", "initial_secret_expires_at")
        }
        connector = services.connector_create(
            actor=request.user, data=data, entities=_entities(data.pop("entities", [])), **extra
        )
        return Response(self.connector_out(connector), status=status.HTTP_201_CREATED)


class ConnectorDetail(Base):
    @extend_schema(responses=s.ConnectorOutSerializer)
    def get(self, request, slug):
        return Response(self.connector_out(selectors.connector_get(request.user, slug)))

    @extend_schema(request=s.ConnectorInputSerializer, responses=s.ConnectorOutSerializer)
    def patch(self, request, slug):
        connector = selectors.connector_get(request.user, slug)
        require(request.user, "connectors.change_connector", connector, "You may not change this connector.")
        serializer = s.ConnectorInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k in request.data}
        reason = data.pop("reason", "")
        for name in ("slug", "initial_secret", "initial_secret_kind", "initial_secret_expires_at"):
            data.pop(name, None)
        entities = _entities(data.pop("entities", None))
        connector = services.connector_update(
            connector=connector, actor=request.user, data=data, entities=entities, reason=reason
        )
        return Response(self.connector_out(connector))


class ConnectorTest(Base):
    @extend_schema(request=s.ReasonInputSerializer, responses=s.TestReportSerializer)
    def post(self, request, slug):
        connector = selectors.connector_get(request.user, slug)
        reason = self.parsed(s.ReasonInputSerializer)["reason"] or "Connection test through the API"
        return Response(services.connector_test(connector=connector, actor=request.user, reason=reason))


class ConnectorGrant(Base):
    @extend_schema(request=s.GrantInputSerializer, responses={201: s.GrantedSerializer})
    def post(self, request, slug):
        connector = selectors.connector_get(request.user, slug)
        require(request.user, "connectors.change_connector", connector, "You may not share this connector.")
        data = self.parsed(s.GrantInputSerializer)
        user = get_user_model().objects.filter(username=data["username"]).first()
        services.connector_grant(connector=connector, user=user, actor=request.user, reason=data["reason"])
        return Response({"granted_to": data["username"]}, status=status.HTTP_201_CREATED)


class CredentialList(Base):
    @extend_schema(responses=s.VersionListSerializer)
    def get(self, request, slug):
        connector = self._configurable(slug)
        versions = [v for c in selectors.credential_list(request.user, connector) for v in c.versions.all()]
        return Response({"results": s.VersionSerializer(versions, many=True).data})

    @extend_schema(request=s.VersionInputSerializer, responses={201: s.VersionSerializer})
    @method_decorator(sensitive_variables())
    def post(self, request, slug):
        connector = self._configurable(slug)
        require(request.user, "connectors.rotate_credential", connector, "You may not manage these credentials.")
        version = services.credential_version_add(
            connector=connector, actor=request.user, **self.parsed(s.VersionInputSerializer)
        )
        return Response(s.VersionSerializer(version).data, status=status.HTTP_201_CREATED)

    def _configurable(self, slug):
        connector = selectors.connector_get(self.request.user, slug)
        if not selectors.can_see_configuration(self.request.user, connector):
            self.permission_denied(self.request, message="You may not see this connector's credentials.")
        return connector


class VersionDetail(Base):
    @extend_schema(responses=s.VersionSerializer)
    def get(self, request, pk):
        return Response(s.VersionSerializer(selectors.version_get(request.user, pk)).data)


class VersionAction(Base):
    actions = {
        "test": services.credential_version_test,
        "approve": services.credential_version_approve,
        "activate": services.credential_version_activate,
        "revoke": services.credential_version_revoke,
    }

    @extend_schema(request=s.ReasonInputSerializer, responses=s.VersionSerializer)
    def post(self, request, pk, action):
        version = selectors.version_get(request.user, pk)
        reason = self.parsed(s.ReasonInputSerializer)["reason"]
        outcome = self.actions[action](version=version, reason=reason, actor=request.user)
        if action == "test":
            version.refresh_from_db()
            return Response({"report": outcome, "version": s.VersionSerializer(version).data})
        return Response(s.VersionSerializer(outcome).data)


class VersionTest(VersionAction):
    """POST: test the version's secret against the system; answers the report and the version."""

    @extend_schema(request=s.ReasonInputSerializer, responses=s.VersionTestSerializer)
    def post(self, request, pk, action="test"):
        return super().post(request, pk, action)
