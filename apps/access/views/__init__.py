"""Access pages: sign-in (password, then TOTP for two-factor users) and the user's own account."""

from apps.access.views.account import (
    profile,
    token_create,
    token_list,
    token_revoke,
    two_factor_remove,
    two_factor_setup,
)
from apps.access.views.login import LoginView, LogoutView, home, login_enrol, login_verify

__all__ = [
    "LoginView",
    "LogoutView",
    "home",
    "login_enrol",
    "login_verify",
    "profile",
    "token_create",
    "token_list",
    "token_revoke",
    "two_factor_remove",
    "two_factor_setup",
]
