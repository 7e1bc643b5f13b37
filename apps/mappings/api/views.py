"""/api/v1/mappings/: the same operations and permissions as the pages, as JSON.

Every endpoint declares the capability it needs (apps.access.api.RolePermission) and is object-scoped: the
selectors answer 404 outside the user's sets, the services 403 when the user may see but not act (a maker
approving their own version gets 403, whatever their permissions).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.entities.models import LegalEntity
from apps.mappings import selectors, services
from apps.mappings.api import serializers as s
from apps.mappings.diff import rules_diff
from apps.mappings.errors import MappingError
from apps.mappings.models import MappingRule, MappingSet, MappingSetVersion
from apps.mappings.preview import mapping_version_preview
from apps.mappings.services._common import rules_of
from apps.mappings.transfer import export_csv, export_filename, export_xlsx, mapping_rules_import
from apps.mappings.validation import version_problems

VIEW, ADD, CHANGE, APPROVE = (f"mappings.{p}_mappingset" for p in ("view", "add", "change", "approve"))


class ById(CursorPagination):
    ordering = "id"


class Base(APIView):
    object_scoped = True

    def handle_exception(self, exc):
        if isinstance(exc, MappingError):
            return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, MappingSet.DoesNotExist | MappingSetVersion.DoesNotExist | MappingRule.DoesNotExist):
            exc = Http404()
        return super().handle_exception(exc)

    def parsed(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def version(self, pk) -> MappingSetVersion:
        return selectors.mapping_version_get(self.request.user, pk)


def version_out(version, *, rules=False) -> dict:
    data = s.MappingSetVersionSerializer(version).data
    if rules:
        data["rules"] = s.MappingRuleSerializer(version.rules.order_by("position", "id"), many=True).data
        data["problems"] = {str(k): v for k, v in version_problems(version).items()}
    return data


class SetList(Base):
    required_perms = {"GET": VIEW, "POST": ADD}
    object_scoped = False  # lists need the capability; per-set grantees use the detail endpoints
    pagination_class = ById  # read by the schema generator; get() paginates by hand

    @extend_schema(
        parameters=[
            OpenApiParameter(name, str, description=text)
            for name, text in (
                ("dimension", "Only sets of this dimension."),
                ("status", "Only sets with a version in this status (draft, pending, active, …)."),
                ("entity", "Legal entity code."),
                ("owner", "Owner's username."),
            )
        ],
        responses=s.MappingSetSerializer(many=True),
    )
    def get(self, request):
        params = {k: v.replace("\x00", "") for k, v in request.query_params.items()}  # NUL: a PostgreSQL 500
        sets = selectors.mapping_set_list(
            request.user, dimension=params.get("dimension", ""), status=params.get("status", "")
        )
        if params.get("entity"):
            sets = sets.filter(entity__code=params["entity"])
        if params.get("owner"):
            sets = sets.filter(owner__username=params["owner"])
        paginator = ById()
        page = paginator.paginate_queryset(sets, request, view=self)
        return paginator.get_paginated_response(s.MappingSetSerializer(page, many=True).data)

    @extend_schema(request=s.SetCreateInput, responses={201: s.MappingSetSerializer})
    def post(self, request):
        data = self.parsed(s.SetCreateInput)
        entity = LegalEntity.objects.filter(code=data.pop("entity")).first()
        if entity is None:
            raise MappingError("Unknown legal entity.", fields={"entity": "No legal entity has this code."})
        owner = get_user_model().objects.filter(username=data.pop("owner", request.user.get_username())).first()
        group_name = data.pop("steward_group", "")
        group = Group.objects.filter(name=group_name).first() if group_name else None
        created = services.mapping_set_create(
            actor=request.user, entity=entity, owner=owner, steward_group=group, **data
        )
        return Response(s.MappingSetSerializer(created).data, status=status.HTTP_201_CREATED)


class SetDetail(Base):
    required_perms = {"GET": VIEW, "PATCH": CHANGE}

    @extend_schema(responses=s.MappingSetDetailSerializer)
    def get(self, request, pk):
        mapping_set = selectors.mapping_set_get(request.user, pk)
        data = s.MappingSetSerializer(mapping_set).data
        data["versions"] = [version_out(v) for v in selectors.mapping_version_list(mapping_set)]
        return Response(data)

    @extend_schema(request=s.SetUpdateInput, responses=s.MappingSetSerializer)
    def patch(self, request, pk):
        """Rename the set or hand it over: {"name", "owner" (username), "steward_group" (name or ""), ...}."""
        mapping_set = selectors.mapping_set_get(request.user, pk)
        data = self.parsed(s.SetUpdateInput)
        changes = {k: v for k, v in data.items() if k in ("name", "description")}
        if "owner" in data:
            changes["owner"] = get_user_model().objects.filter(username=data["owner"]).first()
            if changes["owner"] is None:
                raise MappingError("Unknown user.", fields={"owner": "No user has this username."})
        if "steward_group" in data:
            changes["steward_group"] = Group.objects.filter(name=data["steward_group"]).first()
        updated = services.mapping_set_update(mapping_set=mapping_set, actor=request.user, **changes)
        return Response(s.MappingSetSerializer(updated).data)


class SetDraft(Base):
    required_perms = {"POST": CHANGE}

    @extend_schema(request=None, responses={201: s.MappingVersionRulesSerializer})
    def post(self, request, pk):
        draft = services.mapping_draft_open(mapping_set=selectors.mapping_set_get(request.user, pk), actor=request.user)
        return Response(version_out(draft, rules=True), status=status.HTTP_201_CREATED)


class VersionDetail(Base):
    required_perms = {"GET": VIEW}

    @extend_schema(responses=s.MappingVersionRulesSerializer)
    def get(self, request, pk):
        return Response(version_out(self.version(pk), rules=True))


class VersionRules(Base):
    required_perms = {"POST": CHANGE}

    @extend_schema(request=s.RuleInput, responses={201: s.MappingRuleSerializer})
    def post(self, request, pk):
        rule = services.mapping_rule_add(version=self.version(pk), actor=request.user, **self.parsed(s.RuleInput))
        return Response(s.MappingRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class RuleDetail(Base):
    required_perms = {"GET": VIEW, "PATCH": CHANGE, "DELETE": CHANGE}

    @extend_schema(responses=s.MappingRuleSerializer)
    def get(self, request, pk):
        return Response(s.MappingRuleSerializer(selectors.mapping_rule_get(request.user, pk)).data)

    @extend_schema(request=s.RuleInput, responses=s.MappingRuleSerializer)
    def patch(self, request, pk):
        rule = selectors.mapping_rule_get(request.user, pk)
        data = {k: v for k, v in self.parsed(s.RuleInput).items() if k in request.data}
        rule = services.mapping_rule_update(rule=rule, actor=request.user, **data)
        return Response(s.MappingRuleSerializer(rule).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.mapping_rule_delete(rule=selectors.mapping_rule_get(request.user, pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


ACTIONS = {
    "submit": (CHANGE, lambda v, u, r: services.mapping_version_submit(version=v, actor=u, reason=r)),
    "withdraw": (CHANGE, lambda v, u, r: services.mapping_version_withdraw(version=v, actor=u, reason=r)),
    "approve": (APPROVE, lambda v, u, r: services.mapping_version_approve(version=v, actor=u, note=r)),
    "reject": (APPROVE, lambda v, u, r: services.mapping_version_reject(version=v, actor=u, reason=r)),
    "restore": (CHANGE, lambda v, u, r: services.mapping_version_restore(version=v, actor=u)),
    "discard": (CHANGE, lambda v, u, r: services.mapping_draft_discard(version=v, actor=u, reason=r)),
}


class VersionAction(Base):
    """POST /versions/<pk>/<action>/ with {"reason": "..."}: one governance step, answered with the version."""

    @property
    def required_perms(self):
        return {"POST": ACTIONS[self.kwargs["action"]][0]}

    @extend_schema(
        request=s.ReasonInput,
        responses={200: s.MappingSetVersionSerializer, 204: OpenApiResponse(description="Draft discarded.")},
    )
    def post(self, request, pk, action):
        version = self.version(pk)
        result = ACTIONS[action][1](version, request.user, self.parsed(s.ReasonInput)["reason"])
        if action == "discard":
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(version_out(result or version))


class VersionConfigure(Base):
    required_perms = {"POST": CHANGE}

    @extend_schema(request=s.ConfigureInput, responses=s.MappingSetVersionSerializer)
    def post(self, request, pk):
        data = self.parsed(s.ConfigureInput)
        options = {"auto_match": data.get("auto_match")}
        if "effective_from" in data:
            options["effective_from"] = data["effective_from"]
        version = services.mapping_draft_configure(version=self.version(pk), actor=request.user, **options)
        return Response(version_out(version))


class VersionDiff(Base):
    required_perms = {"GET": VIEW}

    @extend_schema(
        parameters=[OpenApiParameter("against", int, description="Version id to compare with (default: based on).")],
        responses=s.VersionDiffSerializer,
    )
    def get(self, request, pk):
        version = self.version(pk)
        against_id = request.query_params.get("against")
        against = (
            (version.mapping_set.versions.filter(pk=against_id).first() if (against_id or "").isdecimal() else None)
            or version.based_on
            or version.mapping_set.versions.filter(status="active").exclude(pk=version.pk).first()
        )
        diff = rules_diff(rules_of(against) if against else [], rules_of(version))
        return Response({"version": version.number, "against": against.number if against else None, **diff})


class VersionPreview(Base):
    required_perms = {"GET": VIEW}

    @extend_schema(
        parameters=[OpenApiParameter("days", int, description="Documents received in the last N days (30).")],
        responses=s.VersionPreviewSerializer,
    )
    def get(self, request, pk):
        days = request.query_params.get("days", "30")
        preview = mapping_version_preview(
            version=self.version(pk), actor=request.user, days=int(days) if days.isdecimal() else 30
        )
        return Response(preview.as_dict())


class FileFormatNegotiation(DefaultContentNegotiation):
    """`?format=` names the file to download (csv / xlsx), not one of DRF's renderers: without this, DRF's
    format override answers 404 to the documented `format=xlsx`. Errors still render as JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class VersionExport(Base):
    required_perms = {"GET": VIEW}
    content_negotiation_class = FileFormatNegotiation

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["csv", "xlsx"], description="csv (default) or xlsx.")],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
        },
    )
    def get(self, request, pk):
        version = self.version(pk)
        if request.query_params.get("format") == "xlsx":
            body = export_xlsx(version)
            content_type, extension = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
        else:
            body, content_type, extension = export_csv(version), "text/csv; charset=utf-8", "csv"
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{export_filename(version, extension)}"'
        return response


class VersionImport(Base):
    required_perms = {"POST": CHANGE}
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": s.ImportInput}, responses=s.ImportResultSerializer)
    def post(self, request, pk):
        upload = request.FILES.get("file")  # a missing file is reported after the permission check
        count = mapping_rules_import(
            version=self.version(pk),
            actor=request.user,
            filename=upload.name if upload else "",
            content=upload.read() if upload else b"",
            mode=request.data.get("mode", "replace"),
        )
        return Response({"rules": count})


class MasterData(Base):
    required_perms = {"GET": "mappings.view_masterrecord"}

    @extend_schema(
        parameters=[
            OpenApiParameter("entity", str, required=True, description="Legal entity code."),
            OpenApiParameter("model", str, description="Odoo model, e.g. account.tax."),
            OpenApiParameter("q", str, description="Code or name contains."),
        ],
        responses=s.MasterDataSerializer,
    )
    def get(self, request):
        params = request.query_params
        entity = selectors.master_entities_for(request.user).filter(code=params.get("entity", "")).first()
        if entity is None:
            raise Http404
        records = selectors.master_record_search(
            request.user, entity=entity, model=params.get("model", ""), query=params.get("q", ""), limit=100
        )
        return Response({"entity": entity.code, "results": s.MasterRecordSerializer(records, many=True).data})


class MasterDataRefresh(Base):
    required_perms = {"POST": "mappings.refresh_masterrecord"}

    @extend_schema(request=s.RefreshInput, responses={202: s.RefreshRunSerializer})
    def post(self, request):
        code = self.parsed(s.RefreshInput)["entity"]
        entity = selectors.master_entities_for(request.user).filter(code=code).first()
        if entity is None:
            raise Http404
        run = services.master_data_refresh_request(entity=entity, actor=request.user)
        body = {"id": run.pk, "entity": entity.code, "status": run.status}
        return Response(body, status=status.HTTP_202_ACCEPTED)
