"""Sandbox models, one module per Odoo application area."""

from .account import ACCOUNT_MODELS
from .base import BASE_MODELS
from .expense import EXPENSE_MODELS
from .hr import HR_MODELS

ALL_MODELS = [*BASE_MODELS, *HR_MODELS, *ACCOUNT_MODELS, *EXPENSE_MODELS]
