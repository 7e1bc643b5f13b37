from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "The user name or password is not right. Both are case-sensitive.",
        "inactive": "This account is disabled. Ask an administrator.",
    }
