"""Master data to the platform: the cached Odoo records sent as signed webhooks, only what changed since the
last accepted push, one ledger entry per record."""

import pytest
from django.utils import timezone

from apps.ledger.models import LedgerEntry
from apps.mappings.models import MasterRecord
from apps.reporting.models import PushedRecord
from apps.reporting.services.masterdata import KINDS, master_data_push, master_records
from tests.reporting.conftest import DATABASES
from tests.sync import helpers

pytestmark = pytest.mark.django_db(databases=DATABASES)


@pytest.fixture
def platform(posting_setup, receiver):
    """Entity FR's master data read from the sandbox; its platform connector receives at `receiver`."""
    setup = posting_setup(version=17)
    setup.source.base_url = receiver.url
    setup.source.save(update_fields=["base_url"])
    return setup


def records(receiver, kind):
    return [
        r for m in receiver.of_type("master_data.changed") if m["data"]["kind"] == kind for r in m["data"]["records"]
    ]


def test_first_push_sends_every_kind_with_employee_department_and_manager(platform, receiver):
    run = master_data_push()

    assert run.status == "succeeded", run.message
    assert not receiver.refused
    assert {m["data"]["kind"] for m in receiver.of_type("master_data.changed")} == set(KINDS)
    employees = {e["email"]: e for e in records(receiver, "employees")}
    simon = employees["simon.taylor@example.com"]
    assert simon["active"] is True and simon["department"] in {"Sales", "Engineering", "Finance", "Operations"}
    assert {t["code"] or t["name"] for t in records(receiver, "taxes")} >= {"FR-20", "FR-10"}
    cached = MasterRecord.objects.filter(entity=platform.entity, kind__in=KINDS).count()
    assert LedgerEntry.objects.filter(kind="master_data.pushed", connector=platform.source.slug).count() == cached
    assert PushedRecord.objects.filter(connector=platform.source.slug).count() == cached


def test_second_push_sends_only_what_changed(platform, receiver):
    master_data_push()
    record = MasterRecord.objects.get(entity=platform.entity, kind="employees", code="simon.taylor@example.com")
    MasterRecord.objects.filter(pk=record.pk).update(active=False, changed_at=timezone.now())
    receiver.messages.clear()
    ledgered = LedgerEntry.objects.filter(kind="master_data.pushed").count()

    run = master_data_push()

    assert run.counts["sent"] == 1
    assert [(r["email"], r["active"]) for r in records(receiver, "employees")] == [("simon.taylor@example.com", False)]
    assert len(receiver.messages) == 1
    assert LedgerEntry.objects.filter(kind="master_data.pushed").count() == ledgered + 1


def test_a_refused_push_is_ledgered_and_sent_again_next_time(platform, receiver):
    receiver.status = 500
    run = master_data_push()

    assert run.status == "partial" and run.counts["failed"] > 0
    assert not PushedRecord.objects.exists()
    assert LedgerEntry.objects.filter(kind="master_data.push_failed", outcome="failed").exists()
    receiver.status = 200

    master_data_push()

    assert PushedRecord.objects.count() == MasterRecord.objects.filter(entity=platform.entity, kind__in=KINDS).count()


def test_manager_is_the_department_manager_and_never_the_employee_themself(entities):
    fr = entities["FR"]
    helpers.master(fr, "departments", 1, name="Sales", data={"manager_id": 10, "parent_id": 2})
    helpers.master(fr, "departments", 2, name="Company", data={"manager_id": 11})
    helpers.master(fr, "employees", 10, code="boss@example.com", name="Boss", data={"department_id": 1})
    helpers.master(fr, "employees", 11, code="ceo@example.com", name="CEO", data={"department_id": 2})
    helpers.master(fr, "employees", 12, code="ann@example.com", name="Ann", data={"department_id": 1})

    employees = master_records(fr)["employees"]

    assert employees[12]["manager_email"] == "boss@example.com"
    assert employees[10]["manager_email"] == "ceo@example.com"
    assert employees[11]["manager_email"] is None
