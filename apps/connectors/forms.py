"""Forms parse and type the input; the services validate it (so the UI and the API give the same errors).

Secret fields use PasswordInput without render_value: a form shown again after an error never echoes a secret.
"""

import json

from django import forms
from django.contrib.auth import get_user_model

from apps.access.roles import INTEGRATION_ADMIN
from apps.connectors.backends import adapter_choices, redact_options
from apps.connectors.backends.base import looks_secret
from apps.connectors.models import ConnectorKind, CredentialKind
from apps.entities.models import LegalEntity

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class JSONObjectField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false"})

    def prepare_value(self, value):
        return value if isinstance(value, str) else json.dumps(value or {}, indent=2)

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return {}
        try:
            return json.loads(value)
        except ValueError:
            raise forms.ValidationError('Options must be valid JSON, e.g. {"login": "integration"}.') from None


class ConnectorForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.CharField(max_length=200, help_text="Fixed once created; the ledger refers to it.")
    kind = forms.ChoiceField(choices=ConnectorKind.choices)
    adapter = forms.CharField(max_length=60, widget=forms.Select(choices=[]))
    base_url = forms.CharField(max_length=2000, required=False, label="Base URL")
    database = forms.CharField(max_length=200, required=False)
    protocol = forms.CharField(max_length=60, required=False, help_text="Odoo: xmlrpc, jsonrpc, json2 (+s for TLS).")
    options = JSONObjectField(required=False, help_text="Adapter options as JSON. Never put secrets here.")
    entities = forms.ModelMultipleChoiceField(LegalEntity.objects.all(), required=False, label="Legal entities served")
    enabled = forms.BooleanField(required=False, initial=True)
    rate_limit_per_second = forms.FloatField(initial=0.0, help_text="Calls per second; 0 = no limit.")
    four_eyes_rotation = forms.BooleanField(required=False, label="Four-eyes credential activation")
    rotation_grace_hours = forms.IntegerField(initial=24, help_text="Hours a retired webhook secret stays accepted.")
    reason = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["adapter"].widget.choices = adapter_choices()
        if not creating:
            del self.fields["slug"]

    def redact_sensitive(self) -> None:
        """Before showing the form again: never echo a secret someone typed into the options."""
        data = self.data.copy()
        raw = data.get("options") or ""
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            data["options"] = json.dumps(redact_options(parsed), indent=2)
        elif looks_secret(raw):
            data["options"] = ""
        self.data = data

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("entities", None)
        data.pop("reason", None)
        for name in ("initial_secret", "initial_secret_kind", "initial_secret_expires_at"):
            data.pop(name, None)
        return data


class ConnectorCreateForm(ConnectorForm):
    initial_secret = forms.CharField(
        required=False,
        strip=False,
        max_length=100_000,
        label="Secret (optional)",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Password, API key or signing secret. Stored encrypted; never shown again.",
    )
    initial_secret_kind = forms.ChoiceField(
        choices=[("", "The adapter's main kind"), *CredentialKind.choices], required=False, label="Secret kind"
    )
    initial_secret_expires_at = forms.DateTimeField(required=False, widget=DATETIME, label="Secret expires at")


class CredentialVersionForm(forms.Form):
    kind = forms.ChoiceField(choices=CredentialKind.choices)
    secret = forms.CharField(
        strip=False,
        required=False,
        max_length=100_000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted; after saving only a fingerprint is shown.",
    )
    expires_at = forms.DateTimeField(required=False, widget=DATETIME)
    scopes = forms.CharField(max_length=2000, required=False, help_text="What this secret is allowed to do.")
    notes = forms.CharField(max_length=2000, required=False)
    reason = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kinds:
            self.fields["kind"].choices = [(k, CredentialKind(k).label) for k in kinds]


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=2000, required=False)


class GrantForm(forms.Form):
    user = forms.ModelChoiceField(get_user_model().objects.none(), label="Integration admin")
    reason = forms.CharField(max_length=2000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model().objects.filter(groups__name=INTEGRATION_ADMIN, is_active=True).order_by("username")
        )
