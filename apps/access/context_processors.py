from django.conf import settings

from apps.access.roles import role_of


def console(request):
    user = getattr(request, "user", None)
    return {
        "environment": settings.ENVIRONMENT,
        "user_role": role_of(user) if user is not None else None,
    }
