"""/api/v1/access/me/: the caller's account page as JSON — roles, entity scope, two-factor status, API access.

Open to every signed-in user (like the account page): it shows only the caller's own facts. Two-factor
enrolment and removal stay session-only (Account → Two-factor): they need a current code and must not be
reachable with a token, which could otherwise switch off the second factor that guards the session.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access import tokens, two_factor
from apps.access.models import ApiToken
from apps.access.permissions import ENTITY_SCOPE_PERM, can


class TwoFactorStatusSerializer(serializers.Serializer):
    enrolled = serializers.BooleanField(help_text="An authenticator is confirmed for this account.")
    required = serializers.BooleanField(help_text="The role (or superuser status) requires a second factor.")
    verified = serializers.BooleanField(help_text="This session passed the second factor (false for tokens).")


class CurrentTokenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    prefix = serializers.CharField()
    read_only = serializers.BooleanField()
    expires_at = serializers.DateTimeField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    superuser = serializers.BooleanField()
    roles = serializers.ListField(child=serializers.CharField())
    entities = serializers.ListField(
        child=serializers.CharField(), help_text="Legal entity codes in scope (every entity: all of them)."
    )
    two_factor = TwoFactorStatusSerializer()
    api_access = serializers.BooleanField(help_text="May hold personal API tokens.")
    token = CurrentTokenSerializer(allow_null=True, help_text="The token this request came with, if any.")


class Me(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        from apps.entities.models import LegalEntity

        user = request.user
        entities = [e.code for e in LegalEntity.objects.order_by("code") if can(user, ENTITY_SCOPE_PERM, e)]
        token = request.auth if isinstance(request.auth, ApiToken) else None
        data = {
            "username": user.get_username(),
            "email": user.email,
            "superuser": user.is_superuser,
            "roles": sorted(user.groups.values_list("name", flat=True)),
            "entities": entities,
            "two_factor": {
                "enrolled": two_factor.confirmed_device(user) is not None,
                "required": two_factor.two_factor_required(user),
                "verified": bool(getattr(user, "otp_device", None)) and token is None,
            },
            "api_access": can(user, tokens.MANAGE_PERM),
            "token": token
            and {
                "id": token.pk,
                "prefix": token.prefix,
                "read_only": token.read_only,
                "expires_at": token.expires_at,
            },
        }
        return Response(MeSerializer(data).data)
