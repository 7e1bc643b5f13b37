from django import forms
from django.contrib.auth.forms import AuthenticationForm

from apps.access.tokens import DEFAULT_LIFETIME_DAYS, MAX_LIFETIME_DAYS


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "The user name or password is not right. Both are case-sensitive.",
        "inactive": "This account is disabled. Ask an administrator.",
    }


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code",
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "pattern": "[0-9 ]*"}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError("Enter the 6 digits your authenticator app shows now.")
        return code


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. 'month-end export script'.")
    expires_in_days = forms.IntegerField(
        label="Expires in (days)", min_value=1, max_value=MAX_LIFETIME_DAYS, initial=DEFAULT_LIFETIME_DAYS
    )
    read_only = forms.BooleanField(
        required=False, initial=True, help_text="A read-only token can read but never change anything."
    )
