"""Two-factor devices with their TOTP key encrypted at rest: existing django-otp TOTPDevice rows move over
(key encrypted under ENCRYPTION_KEYS, counters and drift kept, so enrolled authenticators keep working) and
are deleted from django-otp's table, where the key was in clear."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FIELDS = ("user_id", "name", "confirmed", "throttling_failure_timestamp", "throttling_failure_count",
          "created_at", "last_used_at", "step", "t0", "digits", "tolerance", "drift", "last_t")  # fmt: skip


def move_devices(apps, schema_editor):
    from apps.access import secretbox

    old, new = apps.get_model("otp_totp", "TOTPDevice"), apps.get_model("access", "TwoFactorDevice")
    for device in old.objects.order_by("pk"):
        new.objects.create(key_token=secretbox.encrypt(device.key), **{f: getattr(device, f) for f in FIELDS})
    old.objects.all().delete()


def move_devices_back(apps, schema_editor):
    from apps.access import secretbox

    old, new = apps.get_model("otp_totp", "TOTPDevice"), apps.get_model("access", "TwoFactorDevice")
    for device in new.objects.order_by("pk"):
        old.objects.create(key=secretbox.decrypt(device.key_token), **{f: getattr(device, f) for f in FIELDS})


class Migration(migrations.Migration):
    dependencies = [
        ("otp_totp", "0003_add_timestamps"),
        ("access", "0002_apitoken"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="TwoFactorDevice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(help_text="The human-readable name of this device.", max_length=64)),
                ("confirmed", models.BooleanField(default=True, help_text="Is this device ready for use?")),
                (
                    "throttling_failure_timestamp",
                    models.DateTimeField(
                        blank=True,
                        default=None,
                        help_text="A timestamp of the last failed verification attempt. Null if last attempt succeeded.",
                        null=True,
                    ),
                ),
                (
                    "throttling_failure_count",
                    models.PositiveIntegerField(default=0, help_text="Number of successive failed attempts."),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True,
                        help_text="The date and time when this device was initially created in the system.",
                        null=True,
                    ),
                ),
                (
                    "last_used_at",
                    models.DateTimeField(
                        blank=True, help_text="The most recent date and time this device was used.", null=True
                    ),
                ),
                (
                    "key_token",
                    models.TextField(editable=False, help_text="The TOTP secret, encrypted under ENCRYPTION_KEYS."),
                ),
                ("step", models.PositiveSmallIntegerField(default=30, help_text="The time step in seconds.")),
                ("t0", models.BigIntegerField(default=0, help_text="The Unix time at which to begin counting steps.")),
                ("digits", models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)),
                (
                    "tolerance",
                    models.PositiveSmallIntegerField(default=1, help_text="Time steps in the past or future allowed."),
                ),
                (
                    "drift",
                    models.SmallIntegerField(
                        default=0, help_text="Time steps the authenticator deviates from our clock."
                    ),
                ),
                (
                    "last_t",
                    models.BigIntegerField(default=-1, help_text="Time step of the last verified code (no replays)."),
                ),
                (
                    "user",
                    models.ForeignKey(
                        help_text="The user that this device belongs to.",
                        on_delete=django.db.models.deletion.CASCADE,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "two-factor device",
                "abstract": False,
            },
        ),
        migrations.RunPython(move_devices, move_devices_back),
    ]
