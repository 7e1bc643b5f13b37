"""Login lockout (django-axes): after LOGIN_FAILURE_LIMIT failed passwords or codes for one user name from one
address, that pair is locked for LOGIN_LOCKOUT_MINUTES. IT unlocks early with
`python manage.py axes_reset_username <username>` (or axes_reset_ip / axes_reset)."""

from django.conf import settings
from django.shortcuts import render

from apps.access.forms import LoginForm


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or behind our own reverse proxy (BEHIND_PROXY) the address it appended to X-Forwarded-For.

    Only the last hop is trusted: the left-hand entries are whatever the client chose to send.
    """
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR")


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page again, with a message that says what happened and what to do."""
    from apps.access.two_factor import pending_clear

    if hasattr(request, "session"):
        pending_clear(request)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = LoginForm(request, initial={"username": username})
    context = {"form": form, "locked_out": True, "lockout_minutes": lockout_minutes(), "username": username}
    return render(request, "access/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
