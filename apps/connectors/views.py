"""Pages of the connectors app: thin callers of selectors and services.

Object scope: a connector outside the user's view permission is a 404 (its existence is not revealed); a
visible connector whose configuration the user may not see or change is a 403.
"""

import functools
import operator

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from apps.access.decorators import permission_required
from apps.access.permissions import can
from apps.connectors import selectors, services
from apps.connectors.backends import get_backend
from apps.connectors.errors import ConnectorError
from apps.connectors.forms import ConnectorCreateForm, ConnectorForm, CredentialVersionForm, GrantForm, ReasonForm
from apps.connectors.models import Connector, Credential, CredentialVersion
from apps.connectors.services.validation import allowed_credential_kinds

READERS = ("connectors.view_connector", "connectors.add_connector")


def _connector(request, slug) -> Connector:
    try:
        return selectors.connector_get(request.user, slug)
    except Connector.DoesNotExist:
        raise Http404 from None


def _config_connector(request, slug) -> Connector:
    connector = _connector(request, slug)
    if not selectors.can_see_configuration(request.user, connector):
        raise PermissionDenied
    return connector


def _abilities(user, connector) -> dict:
    return {
        name: can(user, f"connectors.{perm}", connector)
        for name, perm in (
            ("configure", "view_connector_configuration"),
            ("change", "change_connector"),
            ("test", "test_connector"),
            ("rotate", "rotate_credential"),
            ("approve", "approve_credential"),
        )
    }


def _apply_errors(form, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


@permission_required(*READERS)
def index(request):
    connectors = selectors.connector_list(request.user).prefetch_related("entities")
    can_add = can(request.user, "connectors.add_connector")
    return render(request, "connectors/connector_list.html", {"connectors": connectors, "can_add": can_add})


@permission_required("connectors.add_connector")
@sensitive_post_parameters("initial_secret")
@sensitive_variables("data")
def create(request):
    form = ConnectorCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            connector = services.connector_create(
                actor=request.user,
                data=form.service_data(),
                entities=data["entities"],
                reason=data["reason"],
                initial_secret=data["initial_secret"],
                initial_secret_kind=data["initial_secret_kind"],
                initial_secret_expires_at=data["initial_secret_expires_at"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"Connector “{connector.name}” registered.")
            return redirect("connectors:detail", slug=connector.slug)
    return render(request, "connectors/connector_form.html", {"form": form, "creating": True}, status=_status(form))


def _status(form) -> int:
    if form.is_bound and form.errors:
        if hasattr(form, "redact_sensitive"):
            form.redact_sensitive()
        return 400
    return 200


@permission_required(*READERS)
def detail(request, slug):
    connector = _connector(request, slug)
    abilities = _abilities(request.user, connector)
    context = {
        "connector": connector,
        "can": abilities,
        "paused_reason": services.connector_pause_reason(connector),
        "credentials": selectors.credential_list(request.user, connector),
        "grant_form": GrantForm() if abilities["change"] else None,
    }
    return render(request, "connectors/connector_detail.html", context)


@permission_required(*READERS)
def edit(request, slug):
    connector = _connector(request, slug)
    if not can(request.user, "connectors.change_connector", connector):
        raise PermissionDenied
    initial = {name: getattr(connector, name) for name in services.connectors.EDITABLE}
    initial["entities"] = list(connector.entities.all())
    form = ConnectorForm(request.POST or None, initial=initial, creating=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.connector_update(
                connector=connector,
                actor=request.user,
                data=form.service_data(),
                entities=form.cleaned_data["entities"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Connector saved.")
            return redirect("connectors:detail", slug=connector.slug)
    context = {"form": form, "creating": False, "connector": connector}
    return render(request, "connectors/connector_form.html", context, status=_status(form))


@require_POST
@permission_required(*READERS)
def test(request, slug):
    connector = _connector(request, slug)
    report = services.connector_test(connector=connector, actor=request.user, reason="Connection test from the console")
    level = messages.SUCCESS if report["ok"] else messages.ERROR
    messages.add_message(request, level, f"Connection test: {report['message']}")
    return redirect("connectors:detail", slug=connector.slug)


@require_POST
@permission_required(*READERS)
def grant(request, slug):
    connector = _connector(request, slug)
    form = GrantForm(request.POST)
    if not can(request.user, "connectors.change_connector", connector):
        raise PermissionDenied
    if not form.is_valid():
        messages.error(request, "Choose an integration admin to share the connector with.")
    else:
        try:
            services.connector_grant(
                connector=connector,
                user=form.cleaned_data["user"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, f"{form.cleaned_data['user']} can now manage this connector.")
        except ValidationError as error:
            messages.error(request, " ".join(functools.reduce(operator.iadd, error.message_dict.values(), [])))
    return redirect("connectors:detail", slug=connector.slug)


@permission_required(*READERS)
@sensitive_post_parameters("secret")
@sensitive_variables("data")
def credential_add(request, slug):
    connector = _config_connector(request, slug)
    if not can(request.user, "connectors.rotate_credential", connector):
        raise PermissionDenied
    kinds = allowed_credential_kinds(get_backend(connector.adapter))
    form = CredentialVersionForm(request.POST or None, kinds=kinds, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = services.credential_version_add(connector=connector, actor=request.user, **data)
        except ValidationError as error:
            _apply_errors(form, error)
        except ConnectorError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Version {version.version} stored ({version.get_status_display().lower()}).")
            return redirect("connectors:credential", pk=version.credential_id)
    context = {"form": form, "connector": connector}
    return render(request, "connectors/credential_form.html", context, status=_status(form))


@permission_required(*READERS)
def credential(request, pk):
    try:
        item = selectors.credential_get(request.user, pk)
    except Credential.DoesNotExist:
        raise Http404 from None
    context = {
        "credential": item,
        "connector": item.connector,
        "can": _abilities(request.user, item.connector),
        **selectors.credential_overview(item),
    }
    return render(request, "connectors/credential_detail.html", context)


VERSION_ACTIONS = {
    "test": services.credential_version_test,
    "approve": services.credential_version_approve,
    "activate": services.credential_version_activate,
    "revoke": services.credential_version_revoke,
}


@require_POST
@permission_required(*READERS)
def version_action(request, pk, action):
    try:
        version = selectors.version_get(request.user, pk)
    except CredentialVersion.DoesNotExist:
        raise Http404 from None
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        outcome = VERSION_ACTIONS[action](version=version, reason=reason, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(functools.reduce(operator.iadd, error.message_dict.values(), [])))
    except ConnectorError as error:
        messages.error(request, error.message)
    else:
        _report(request, action, version, outcome)
    return redirect("connectors:credential", pk=version.credential_id)


def _report(request, action: str, version, outcome) -> None:
    if action == "test":
        level = messages.SUCCESS if outcome["ok"] else messages.ERROR
        messages.add_message(request, level, f"Version {version.version} test: {outcome['message']}")
    else:
        done = {"approve": "approved", "activate": "activated", "revoke": "revoked"}[action]
        messages.success(request, f"Version {version.version} {done}.")
