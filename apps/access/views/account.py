"""The user's own account: two-factor sign-in (enrol, turn off when allowed) and personal API tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from apps.access import tokens, two_factor
from apps.access.decorators import permission_required
from apps.access.forms import ApiTokenForm, TotpCodeForm
from apps.access.models import ApiToken
from apps.access.permissions import can


@login_required
def profile(request):
    user = request.user
    context = {
        "device": two_factor.confirmed_device(user),
        "required": two_factor.two_factor_required(user),
        "verified": bool(getattr(user, "otp_device", None)),
        "can_use_api": can(user, tokens.MANAGE_PERM),
        "remove_form": TotpCodeForm(),
    }
    return render(request, "access/profile.html", context)


@sensitive_post_parameters("code")
@never_cache
@login_required
def two_factor_setup(request):
    """Enrol an authenticator app from the profile (optional for most roles, required for IT and admins)."""
    if two_factor.confirmed_device(request.user) is not None:
        messages.info(request, "Two-factor sign-in is already on.")
        return redirect("access:profile")
    device = two_factor.unconfirmed_device(request.user)
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.enrolment_confirm(user=request.user, code=form.cleaned_data["code"])
        except two_factor.TwoFactorError as error:
            form.add_error("code", error.message)
        else:
            otp_login(request, device)
            messages.success(request, "Two-factor sign-in is on. You will be asked for a code at each sign-in.")
            return redirect("access:profile")
    context = {"form": form, "qr": two_factor.qr_svg(device), "secret": two_factor.secret_base32(device)}
    return render(request, "access/two_factor_setup.html", context)


@sensitive_post_parameters("code")
@require_POST
@login_required
def two_factor_remove(request):
    form = TotpCodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter a current code to turn two-factor sign-in off.")
        return redirect("access:profile")
    try:
        two_factor.two_factor_remove(user=request.user, code=form.cleaned_data["code"])
    except two_factor.TwoFactorError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Two-factor sign-in is off.")
    return redirect("access:profile")


def _token_page(request, form, issued=None, status=200):
    context = {
        "tokens": tokens.api_token_list(user=request.user),
        "form": form,
        "issued": issued,
        "can_create": can(request.user, tokens.MANAGE_PERM),
    }
    return render(request, "access/apitoken_list.html", context, status=status)


@never_cache
@permission_required(tokens.MANAGE_PERM)
def token_list(request):
    return _token_page(request, ApiTokenForm())


@never_cache
@require_POST
@permission_required(tokens.MANAGE_PERM)
def token_create(request):
    """Create a token and show it once, on this response only (never cached, never stored in plain)."""
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _token_page(request, form, status=400)
    try:
        issued = tokens.api_token_create(actor=request.user, **form.cleaned_data)
    except tokens.TokenError as error:
        for field, problem in error.fields.items():
            form.add_error(field if field in form.fields else None, problem)
        return _token_page(request, form, status=400)
    return _token_page(request, ApiTokenForm(), issued=issued, status=201)


@require_POST
@permission_required(tokens.MANAGE_PERM)
def token_revoke(request, pk: int):
    try:
        token = tokens.api_token_revoke(actor=request.user, pk=pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    messages.success(request, f"Token “{token.name}” is revoked: it no longer works.")
    return redirect("access:token_list")
