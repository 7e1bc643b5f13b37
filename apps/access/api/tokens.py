"""/api/v1/access/tokens/: the caller's own API tokens — list, create (the token is in that answer only), revoke.

Creating a token needs a signed-in session (password and, where required, a second factor): a leaked token must
not be able to mint successors that outlive its revocation. A token may list tokens and revoke them (itself too).
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access import tokens
from apps.access.api.errors import ApiError
from apps.access.api_filters import cursor_pagination
from apps.access.models import ApiToken

READ = MANAGE = tokens.MANAGE_PERM


class ApiTokenSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "read_only",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "status",
        ]
        read_only_fields = fields

    def get_status(self, token) -> str:
        return token.status()


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    expires_in_days = serializers.IntegerField(
        min_value=1, max_value=tokens.MAX_LIFETIME_DAYS, default=tokens.DEFAULT_LIFETIME_DAYS
    )
    read_only = serializers.BooleanField(default=False)


class ApiTokenIssuedSerializer(ApiTokenSerializer):
    token = serializers.CharField(help_text="The token itself: shown in this answer only, store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class TokenList(ListAPIView):
    """GET: your tokens, newest first (revoked and expired included). POST: create one."""

    required_perms = {"GET": READ, "POST": MANAGE}
    serializer_class = ApiTokenSerializer
    filter_fields = {"read_only": "read_only", "name": "name__icontains"}
    ordering_fields = {"created": "created_at", "expires": "expires_at", "last_used": "last_used_at"}
    pagination_class = cursor_pagination("-created_at")

    def get_queryset(self):
        return tokens.api_token_list(user=self.request.user)

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenIssuedSerializer})
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            raise ApiError(
                "Create API tokens from a signed-in session (Account → API tokens), not with another token.",
                status_code=403,
                code="session_required",
            )
        given = ApiTokenCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            issued = tokens.api_token_create(actor=request.user, **given.validated_data)
        except tokens.TokenError as error:
            raise ApiError(error.message, fields=error.fields) from None
        data = ApiTokenSerializer(issued.token).data
        data["token"] = issued.secret
        response = Response(data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


class TokenDetail(RetrieveAPIView):
    required_perms = {"GET": READ}
    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        return tokens.api_token_list(user=self.request.user)


class TokenRevoke(APIView):
    """POST: revoke one of your tokens now (idempotent); it answers 401 from then on."""

    required_perms = {"POST": MANAGE}

    @extend_schema(request=None, responses={200: ApiTokenSerializer})
    def post(self, request, pk: int):
        try:
            token = tokens.api_token_revoke(actor=request.user, pk=pk)
        except ApiToken.DoesNotExist:
            raise Http404 from None
        return Response(ApiTokenSerializer(token).data)
