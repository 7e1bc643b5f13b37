"""Login lockout (django-axes): after LOGIN_FAILURE_LIMIT failed passwords or codes for one user name from one
address, that pair is locked for LOGIN_LOCKOUT_MINUTES. IT unlocks early with
`python manage.py axes_reset_username <username>` (or axes_reset_ip / axes_reset). Each lockout is recorded in
the ledger (`access.login_locked_out`, via apps.access.events)."""

from django.conf import settings
from django.contrib.auth import get_user_model
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


def record_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    """axes' user_locked_out receiver: one security event when a user name/address pair becomes locked.

    axes sends the signal again for every further failure (and for attempts while locked, with no count): only
    the failure that reaches the limit is the lockout. A user name that matches no account is not recorded as
    typed (it may be a password entered in the wrong box).
    """
    from apps.access import events

    failures = getattr(request, "axes_failures_since_start", None)
    if failures != settings.AXES_FAILURE_LIMIT:
        return
    user = get_user_model().objects.filter(username=username or "").first()
    events.security_event_send(
        events.LOGIN_LOCKED_OUT,
        user=user,
        actor=user or "anonymous",
        outcome="rejected",
        payload={
            "username": username if user else "(no such account)",
            "ip_address": ip_address,
            "failures": failures,
            "locked_minutes": lockout_minutes(),
        },
        reason=f"{failures} failed sign-in attempts",
    )
