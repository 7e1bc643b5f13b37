"""Print the current two-factor code of the demo users (sandbox only, demo key only): `manage.py demo_totp`."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from apps.access.two_factor import DEMO_TOTP_KEY, demo_device_users


class Command(BaseCommand):
    help = "Print the current TOTP code of the demo users (ENVIRONMENT=sandbox and the public demo key only)."

    def handle(self, *args, **options):
        if settings.ENVIRONMENT != "sandbox":
            raise CommandError("demo_totp works in the sandbox only.")
        users = demo_device_users()
        if not users:
            raise CommandError("No demo user has the demo key: run `manage.py seed_demo` first.")
        totp = TOTP(bytes.fromhex(DEMO_TOTP_KEY), step=30, t0=0, digits=6)
        left = 30 - int(totp.time) % 30
        self.stdout.write(f"{totp.token():06d}  (valid {left} s more) for {', '.join(users)}")
