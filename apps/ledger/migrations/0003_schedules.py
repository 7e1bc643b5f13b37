"""Daily schedules (django-q2 rows): verify + anchor the chain, archive payloads past retention.

Created here rather than in demo seeding so every deployment has them; idempotent by schedule name.
"""

import datetime as dt

from django.db import migrations

SCHEDULES = {
    "ledger: verify and anchor": ("apps.ledger.tasks.ledger_daily_task", dt.time(2, 30)),
    "ledger: archive old payloads": ("apps.ledger.tasks.ledger_payloads_archive_task", dt.time(3, 0)),
}


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    for name, (func, at) in SCHEDULES.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": "D",
                "repeats": -1,
                "next_run": dt.datetime.combine(tomorrow, at, tzinfo=dt.UTC),
            },
        )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=SCHEDULES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0002_immutability_triggers"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create, remove)]
