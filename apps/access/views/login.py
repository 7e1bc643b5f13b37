"""Sign-in: password (LoginView), then, for two-factor users, the TOTP code (verify) or first enrolment (enrol).

Between the steps the user is *not* logged in (see apps.access.two_factor). Wrong codes count as failed logins
for the lockout (django-axes), exactly like wrong passwords.
"""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render, resolve_url
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from apps.access import two_factor
from apps.access.forms import LoginForm, TotpCodeForm
from apps.access.lockout import locked_out

EXPIRED = "Your sign-in took too long or was interrupted. Enter your user name and password again."


class LoginView(auth_views.LoginView):
    template_name = "access/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        device = two_factor.confirmed_device(user)
        if device is None and not two_factor.two_factor_required(user):
            return super().form_valid(form)
        two_factor.pending_start(self.request, user, self.get_success_url())
        return redirect("access:login_verify" if device is not None else "access:login_enrol")


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5): a link cannot log a user out behind their back."""


@login_required
def home(request):
    return redirect("reporting:dashboard")


def _failed_code(request, pending) -> None:
    # Counted by django-axes like a wrong password; at the limit AxesMiddleware answers with the lockout page.
    user_login_failed.send(sender=__name__, credentials={"username": pending.user.get_username()}, request=request)


def _no_pending(request):
    if request.user.is_authenticated:
        return redirect("access:home")
    messages.info(request, EXPIRED)
    return redirect("access:login")


def _locked(request, pending) -> bool:
    return AxesProxyHandler.is_locked(request, credentials={"username": pending.user.get_username()})


def _done(request, pending, device):
    two_factor.login_complete(request, pending, device)
    return redirect(pending.next_url or resolve_url("reporting:dashboard"))


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_verify(request):
    """Second step for enrolled users: the current 6-digit code from their authenticator app."""
    pending = two_factor.pending_get(request)
    if pending is None:
        return _no_pending(request)
    if request.method == "POST" and _locked(request, pending):
        return locked_out(request, credentials={"username": pending.user.get_username()})
    device = two_factor.confirmed_device(pending.user)
    if device is None:
        return redirect("access:login_enrol")
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.verify(device, form.cleaned_data["code"]):
            return _done(request, pending, device)
        _failed_code(request, pending)
        form.add_error("code", "That code is not right. Enter the current 6 digits from your authenticator app.")
    return render(request, "access/login_verify.html", {"form": form, "username": pending.user.get_username()})


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_enrol(request):
    """First sign-in of a user who must use two-factor: scan the QR code, confirm with a first code."""
    pending = two_factor.pending_get(request)
    if pending is None:
        return _no_pending(request)
    if two_factor.confirmed_device(pending.user) is not None:
        return redirect("access:login_verify")
    if request.method == "POST" and _locked(request, pending):
        return locked_out(request, credentials={"username": pending.user.get_username()})
    device = two_factor.unconfirmed_device(pending.user)
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.enrolment_confirm(user=pending.user, code=form.cleaned_data["code"])
        except two_factor.TwoFactorError as error:
            _failed_code(request, pending)
            form.add_error("code", error.message)
        else:
            messages.success(request, "Two-factor sign-in is on. You will be asked for a code at each sign-in.")
            return _done(request, pending, device)
    context = {
        "form": form,
        "device": device,
        "qr": two_factor.qr_svg(device),
        "secret": two_factor.secret_base32(device),
        "username": pending.user.get_username(),
    }
    return render(request, "access/login_enrol.html", context)
