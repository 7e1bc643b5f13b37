"""Demo data for `make run`: users per role, the three legal entities, then each app's own demo data.

Idempotent: running it again resets the demo passwords and creates nothing twice. Each app may provide
`apps/<app>/demo.py` with `seed(stdout)`; they run in INSTALLED_APPS order (bottom layer first).
"""

from importlib import import_module

from django.apps import apps as django_apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.access import two_factor
from apps.access.services import user_ensure
from apps.entities.models import LegalEntity

DEMO_ENTITIES = [
    # code, name, currency, country, sandbox res.company id
    ("US", "Acme Inc.", "USD", "US", 1),
    ("FR", "Acme France SAS", "EUR", "FR", 2),
    ("DE", "Acme GmbH", "EUR", "DE", 3),
]


class Command(BaseCommand):
    help = "Create demo users (admin, controller, itadmin, auditor), legal entities and each app's demo data."

    @transaction.atomic
    def handle(self, *args, **options):
        entities = [
            LegalEntity.objects.update_or_create(
                code=code, defaults={"name": name, "currency": currency, "country": country, "odoo_company_id": cid}
            )[0]
            for code, name, currency, country, cid in DEMO_ENTITIES
        ]
        password = settings.DEMO_PASSWORD
        admin = user_ensure(
            reason="Demo data (manage.py seed_demo).",
            username="admin",
            password=password,
            superuser=True,
            email="admin@example.com",
        )
        user_ensure(
            reason="Demo data (manage.py seed_demo).",
            username="controller",
            password=password,
            role="finance_controller",
            entities=entities,
            email="controller@example.com",
        )
        itadmin = user_ensure(
            reason="Demo data (manage.py seed_demo).",
            username="itadmin",
            password=password,
            role="integration_admin",
            email="itadmin@example.com",
        )
        user_ensure(
            reason="Demo data (manage.py seed_demo).",
            username="auditor",
            password=password,
            role="auditor",
            email="auditor@example.com",
        )
        for config in django_apps.get_app_configs():
            if config.name.startswith("apps.") and config.label != "access":
                try:
                    module = import_module(f"{config.name}.demo")
                except ModuleNotFoundError:
                    continue
                module.seed(self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo users admin, controller, itadmin, auditor — password {password!r} (DEMO_PASSWORD). "
                "Legal entities: " + ", ".join(e.code for e in entities)
            )
        )
        self._demo_two_factor([admin, itadmin])

    def _demo_two_factor(self, users) -> None:
        """admin and itadmin must sign in with TOTP: in the sandbox they share a fixed, public demo key."""
        if settings.ENVIRONMENT != "sandbox":
            self.stdout.write("Two-factor: admin and itadmin enrol an authenticator app at their first sign-in.")
            return
        device = None
        for user in users:
            device = two_factor.demo_device_ensure(user)
        self.stdout.write(
            self.style.WARNING(
                "Two-factor (sandbox only): admin and itadmin use the demo TOTP key "
                f"{two_factor.secret_base32(device)} — add it to an authenticator app, or run "
                "`manage.py demo_totp` for the current code."
            )
        )
