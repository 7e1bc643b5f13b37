"""The master-data cache, refreshed from the Odoo sandbox over a socket: only changes are written."""

import xmlrpc.client

import pytest

from apps.access.permissions import AccessDenied
from apps.mappings.models import MasterDataRefresh, MasterRecord
from apps.mappings.services import master_data_refresh, master_data_refresh_execute, master_data_refresh_request
from tests.mappings.conftest import audit_entries

pytestmark = pytest.mark.django_db


def totals(counts):
    return {key: sum(c[key] for c in counts.values()) for key in ("seen", "created", "updated", "deactivated")}


def odoo(sb, model, method, *args):
    proxy = xmlrpc.client.ServerProxy(f"{sb.url}/xmlrpc/2/object")
    return proxy.execute_kw(sb.database, sb.admin_uid, sb.password, model, method, list(args))


def test_a_refresh_caches_the_entity_and_a_second_one_writes_nothing(sandbox_connector, entities, it_admin):
    fr = entities["FR"]
    first = master_data_refresh(connector=sandbox_connector, entity=fr, actor=it_admin)
    assert totals(first)["created"] == MasterRecord.objects.filter(entity=fr).count() > 40
    taxes = dict(MasterRecord.objects.filter(entity=fr, kind="taxes").values_list("name", "company_id"))
    assert taxes == {"FR-20": 2, "FR-10": 2, "FR-0": 2}
    employee = MasterRecord.objects.get(entity=fr, kind="employees", code="someone@example.com")
    assert employee.company_id == 2 and employee.data["department_id"]
    taxi = MasterRecord.objects.get(entity=fr, kind="expense_categories", code="TAXI")
    assert taxi.data["expense_account_id"]
    second = master_data_refresh(connector=sandbox_connector, entity=fr, actor=it_admin)
    assert totals(second) == {"seen": totals(first)["seen"], "created": 0, "updated": 0, "deactivated": 0}
    (_, payload), *_ = reversed(audit_entries("master_data.refreshed"))
    assert payload["counts"]["taxes"] == {"seen": 3, "created": 0, "updated": 0, "deactivated": 0}


def test_changes_archives_and_lock_dates_in_odoo_reach_the_cache(odoo_sandbox, sandbox_connector, entities, it_admin):
    fr = entities["FR"]
    master_data_refresh(connector=sandbox_connector, entity=fr, actor=it_admin)
    (tax_id,) = odoo(odoo_sandbox, "account.tax", "search", [["name", "=", "FR-10"]])
    odoo(odoo_sandbox, "account.tax", "write", [tax_id], {"name": "FR-10 reduced"})
    (old_id,) = odoo(odoo_sandbox, "account.tax", "search", [["name", "=", "FR-0"]])
    odoo(odoo_sandbox, "account.tax", "write", [old_id], {"active": False})
    odoo(odoo_sandbox, "res.company", "write", [2], {"fiscalyear_lock_date": "2025-12-31"})
    counts = master_data_refresh(connector=sandbox_connector, entity=fr, actor=it_admin)
    assert counts["taxes"] == {"seen": 3, "created": 0, "updated": 2, "deactivated": 0}
    assert totals(counts)["updated"] == 3  # the two taxes and the company's lock date
    assert MasterRecord.objects.get(entity=fr, kind="taxes", odoo_id=tax_id).name == "FR-10 reduced"
    assert not MasterRecord.objects.get(entity=fr, kind="taxes", odoo_id=old_id).active
    fr.refresh_from_db()
    assert str(fr.fiscalyear_lock_date) == "2025-12-31" and fr.lock_dates_read_at is not None


def test_a_record_gone_from_odoo_is_marked_inactive(odoo_sandbox, sandbox_connector, entities, it_admin):
    fr = entities["FR"]
    master_data_refresh(connector=sandbox_connector, entity=fr, actor=it_admin, kinds=["taxes"])
    (tax_id,) = odoo(odoo_sandbox, "account.tax", "search", [["name", "=", "FR-0"]])
    odoo(odoo_sandbox, "account.tax", "write", [tax_id], {"company_id": 3})
    counts = master_data_refresh(connector=sandbox_connector, entity=fr, actor=it_admin, kinds=["taxes"])
    assert counts["taxes"]["deactivated"] == 1
    assert not MasterRecord.objects.get(entity=fr, kind="taxes", odoo_id=tax_id).active


def test_a_queued_run_is_claimed_once(sandbox_connector, entities, controller, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = master_data_refresh_request(entity=entities["FR"], actor=controller)
        assert master_data_refresh_request(entity=entities["FR"], actor=controller) == run
    assert master_data_refresh_execute(run.pk).status == "succeeded"
    assert master_data_refresh_execute(run.pk) is None
    run.refresh_from_db()
    assert run.counts["currencies"]["seen"] >= 2 and run.finished_at is not None


def test_a_failed_refresh_is_recorded_without_the_secret(sandbox_connector, entities, controller):
    sandbox_connector.base_url = "http://127.0.0.1:9"  # nothing listens on the discard port
    sandbox_connector.save()
    run = MasterDataRefresh.objects.create(entity=entities["FR"], connector=sandbox_connector.slug)
    assert master_data_refresh_execute(run.pk).status == "failed"
    run.refresh_from_db()
    assert run.error and "admin" not in run.error.split("://")[0]
    assert MasterRecord.objects.count() == 0


def test_only_users_with_the_entity_or_its_connector_may_refresh(sandbox_connector, entities, controller, outsider):
    with pytest.raises(AccessDenied):
        master_data_refresh(connector=sandbox_connector, entity=entities["DE"], actor=controller)
    with pytest.raises(AccessDenied):
        master_data_refresh_request(entity=entities["FR"], actor=outsider)
