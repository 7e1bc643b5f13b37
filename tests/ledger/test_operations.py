"""Daily verification + anchoring, its schedule, the demo seed, the read-only admin, role declarations."""

import io
import json

import pytest
from django.db import connection
from django_q.models import Schedule

from apps.ledger import demo, triggers
from apps.ledger.models import LedgerEntry
from apps.ledger.redaction import REDACTED, redact
from apps.ledger.services import ledger_append
from apps.ledger.tasks import ledger_daily_task, ledger_payloads_archive_task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def anchor_dir(settings, tmp_path):
    settings.LEDGER_ANCHOR_DIR = tmp_path / "anchors"
    settings.LEDGER_ARCHIVE_DIR = tmp_path / "archive"
    return settings.LEDGER_ANCHOR_DIR


def test_daily_task_verifies_then_anchors_the_head(anchor_dir, django_capture_on_commit_callbacks):
    ledger_append(kind="k.x", direction="inbound")
    with django_capture_on_commit_callbacks(execute=True):
        result = ledger_daily_task()
    assert result["ok"]
    assert list(LedgerEntry.objects.order_by("sequence").values_list("kind", flat=True)) == [
        "k.x",
        "ledger.verified",
        "ledger.anchored",
    ]
    anchor = json.loads((anchor_dir / "anchors.jsonl").read_text())
    assert anchor["sequence"] == 2  # the head when anchored: the verification entry
    with django_capture_on_commit_callbacks(execute=True):
        assert ledger_daily_task()["anchors_checked"] == 1  # the next day checks yesterday's anchor


def test_daily_task_does_not_anchor_a_broken_chain(anchor_dir):
    ledger_append(kind="k.x", direction="inbound")
    ledger_append(kind="k.y", direction="inbound")
    triggers.uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_ledgerentry SET kind = 'forged' WHERE sequence = 1")
    result = ledger_daily_task()
    assert not result["ok"] and result["broken_sequence"] == 1
    assert not LedgerEntry.objects.filter(kind="ledger.anchored").exists()
    assert LedgerEntry.objects.get(kind="ledger.verified").outcome == "failed"


def test_archive_task_is_callable_and_idempotent():
    assert ledger_payloads_archive_task() == 0


def test_daily_schedules_exist_after_migrate():
    funcs = set(Schedule.objects.values_list("func", flat=True))
    assert {"apps.ledger.tasks.ledger_daily_task", "apps.ledger.tasks.ledger_payloads_archive_task"} <= funcs
    assert set(Schedule.objects.filter(name__startswith="ledger:").values_list("schedule_type", flat=True)) == {"D"}


def test_demo_seed_is_idempotent(entities, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(io.StringIO())
    count = LedgerEntry.objects.count()
    demo.seed(io.StringIO())
    assert LedgerEntry.objects.count() == count == 7  # 5 journey entries, a verification, an anchor


def test_admin_shows_entries_read_only(client_for, superuser):
    entry = ledger_append(kind="k.x", direction="inbound")
    client = client_for(superuser)
    assert client.get("/admin/ledger/ledgerentry/").status_code == 200
    assert client.get(f"/admin/ledger/ledgerentry/{entry.pk}/change/").status_code == 200
    assert client.post(f"/admin/ledger/ledgerentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/ledger/ledgerentry/add/").status_code == 403
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_roles_give_evidence_packs_to_auditors_only(controller, it_admin, auditor):
    assert auditor.has_perm("ledger.download_evidence_pack")
    assert not controller.has_perm("ledger.download_evidence_pack")
    assert not it_admin.has_perm("ledger.download_evidence_pack")
    assert it_admin.has_perm("ledger.view_transport_entries") and not controller.has_perm("ledger.view_all_entries")


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "DB_PASSWORD",
        "client_secret",
        "X-Api-Key",
        "apiKey",
        "Authorization",
        "refresh_token",
        "webhook-signature",
        "Cookie",
        "private_key",
        "credentials",
    ],
)
def test_redaction_recognises_secret_key_spellings(key):
    assert redact({key: "value-123456"}) == {key: REDACTED}


def test_redaction_recurses_and_leaves_ordinary_data_alone():
    data = {"lines": [{"amount": 12, "meta": {"token": "x"}}], "note": "ok", "auth": "Bearer abcdefghijk"}
    assert redact(data) == {"lines": [{"amount": 12, "meta": {"token": REDACTED}}], "note": "ok", "auth": REDACTED}
    assert data["lines"][0]["meta"]["token"] == "x"  # input untouched
