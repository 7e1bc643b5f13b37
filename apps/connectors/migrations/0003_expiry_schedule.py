"""The daily credential expiry check as a django-q2 schedule row (schedules are data, not code)."""

from django.db import migrations

FUNC = "apps.connectors.tasks.credentials_check_expiry_task"


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    if not Schedule.objects.filter(func=FUNC).exists():
        Schedule.objects.create(name="Credential expiry check", func=FUNC, schedule_type="D", repeats=-1)


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0002_connector_credential_credentialversion_and_more"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
