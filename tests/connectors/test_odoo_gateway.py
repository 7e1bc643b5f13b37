"""The gateway over real sockets against the sandbox: every version profile (11, 16–19) and every protocol.

The Odoo 11 contract (the same file against sandbox and real Odoo 11) is tests/contract/test_odoo_contract.py.
"""

import datetime
import uuid

import pytest

from apps.connectors.odoo import OdooAuthError, OdooUnknownError, OdooValidationError, flows, master_data
from tests.contract.odoo_support import gateway, sandbox_config, with_

pytest_plugins = ["tests.contract.odoo_targets"]

TODAY = datetime.date.today().isoformat()
COMBOS = [
    (11, "xmlrpc"),
    (11, "jsonrpc"),
    (16, "xmlrpc"),
    (17, "xmlrpc"),
    (17, "jsonrpc"),
    (18, "xmlrpc"),
    (19, "xmlrpc"),
    (19, "jsonrpc"),
    (19, "json2"),
]
VERSIONS = [11, 16, 17, 18, 19]


@pytest.fixture(params=COMBOS, ids=[f"v{v}-{p}" for v, p in COMBOS])
def gw(request, sandboxes):
    version, protocol = request.param
    with gateway(sandbox_config(sandboxes(version), protocol)) as gw:
        yield gw


@pytest.fixture(params=VERSIONS, ids=[f"v{v}" for v in VERSIONS])
def gw_version(request, sandboxes):
    """One gateway per version; JSON-2 on 19 (the protocol 19 is meant to be used with)."""
    version = request.param
    with gateway(sandbox_config(sandboxes(version), "json2" if version == 19 else "xmlrpc")) as gw:
        yield gw


def company_id(gw) -> int:
    return gw.read("res.users", [gw.uid], ["company_id"])[0]["company_id"][0]


def move_vals(gw, *, date=TODAY, debit=10.0, credit=10.0) -> dict:
    cid = company_id(gw)
    accounts = [a for a in master_data.fetch(gw, "accounts", cid) if a["active"]][:2]
    journal = next(j for j in master_data.fetch(gw, "journals", cid) if j["type"] == "general")
    lines = [
        flows.MoveLine(accounts[0]["id"], "debit", debit=debit),
        flows.MoveLine(accounts[1]["id"], "credit", credit=credit),
    ]
    return flows.journal_entry_vals(gw.profile, journal_id=journal["id"], date=date, ref="gateway test", lines=lines)


# --------------------------------------------------------------------------------------------- connection
def test_connection_reports_the_versions_profile_user_companies_and_rights(gw, sandboxes):
    report = gw.test_connection()
    assert report.ok, report.error
    assert gw.profile.major == int(report.server_version.split(".")[0].split("~")[-1])
    assert report.user.id == gw.uid and report.user.login == "admin"
    assert {c.currency for c in report.companies} == {"USD", "EUR"} and len(report.companies) == 3
    assert report.missing_rights == []
    assert report.latency_ms is not None and report.latency_ms < 1000


def test_wrong_secret_is_an_auth_error(gw):
    with gateway(with_(gw.config, secret="not-the-secret")) as bad:
        with pytest.raises(OdooAuthError):
            bad.search_read("res.partner", [], ["name"], limit=1)
        report = bad.test_connection()
    assert not report.ok and report.error_class == "OdooAuthError" and "not-the-secret" not in report.error


# --------------------------------------------------------------------------------------------- reads and writes
def test_search_read_honours_fields_limit_offset_and_order(gw):
    rows = gw.search_read("res.partner", [], ["name"], limit=3, offset=1, order="id desc")
    everything = gw.search_read("res.partner", [], ["name"], order="id desc")
    assert rows == everything[1:4]
    assert set(rows[0]) == {"id", "name"}


def calls(sandbox) -> dict:
    return sandbox.stats()["calls"]


def delta(before: dict, after: dict) -> dict:
    return {k: after[k] - before.get(k, 0) for k in after if k.startswith("method:") and after[k] != before.get(k, 0)}


@pytest.mark.parametrize("version", [11, 17, 19])
def test_search_read_list_create_and_posting_are_one_server_call_each(sandboxes, version):
    sandbox = sandboxes(version)
    with gateway(sandbox_config(sandbox, "json2" if version == 19 else "xmlrpc")) as gw:
        vals = move_vals(gw)
        before = calls(sandbox)
        gw.search_read("res.partner", [], ["name"], limit=5)
        assert delta(before, calls(sandbox)) == {"method:res.partner.search_read": 1}
        counted = gw.call_count
        before = calls(sandbox)
        ids = gw.create("account.move", [vals] * 4)
        expected = 4 if version == 11 else 1  # Odoo 11 has no list create: one call per record
        assert delta(before, calls(sandbox)) == {"method:account.move.create": expected}
        assert gw.call_count - counted == expected
        before = calls(sandbox)
        gw.post_moves(ids)
        assert delta(before, calls(sandbox)) == {f"method:account.move.{gw.profile.post_method}": 1}


def test_search_read_all_returns_every_row_in_pages(gw):
    total = gw.search_count("hr.employee", [])
    pages = list(gw.search_read_all("hr.employee", [], ["name"], page_size=20))
    assert total >= 40 and sum(len(p) for p in pages) == total
    assert len({row["id"] for page in pages for row in page}) == total


def test_fields_lists_the_models_fields_on_this_version(gw):
    fields = gw.fields("hr.expense")
    assert gw.profile.expense_price_field in fields and "employee_id" in fields
    assert ("sheet_id" in fields) == gw.profile.has_expense_report()


def test_create_write_read_and_list_create(gw):
    one = gw.create("res.partner", {"name": "Gateway one"})
    many = gw.create("res.partner", [{"name": f"Gateway {i}"} for i in range(3)])
    assert isinstance(one, int) and len(many) == 3 and one not in many
    assert gw.write("res.partner", [one, *many], {"comment": "written"}) is True
    rows = gw.read("res.partner", [one, *many], ["name", "comment"])
    assert [r["comment"] for r in rows] == ["written"] * 4


def test_external_ids_round_trip(gw):
    partner = gw.create("res.partner", {"name": "External"})
    name = f"gw_{uuid.uuid4().hex[:10]}"
    gw.create_external_id("integration_console", name, "res.partner", partner)
    assert gw.lookup_external_id("integration_console", name) == ("res.partner", partner)


def test_domains_with_operators_and_company_context(gw):
    eur = gw.search_read("res.company", [["currency_id.name", "=", "EUR"]], ["name"])
    ids = [c["id"] for c in eur]
    assert len(ids) == 2
    rows = gw.search_read(
        "hr.employee", ["|", ["company_id", "in", ids], ["name", "ilike", "zzz-none"]], ["company_id"]
    )
    assert rows and all(r["company_id"][0] in ids for r in rows)


# --------------------------------------------------------------------------------------------- master data
@pytest.mark.parametrize("kind", sorted(master_data.KINDS))
def test_master_data_kinds_are_normalized_for_every_version(gw_version, kind):
    cid = company_id(gw_version)
    rows = list(master_data.fetch(gw_version, kind, cid))
    if kind == "analytic_plans" and gw_version.profile.major == 11:
        assert rows == []
        return
    assert rows, f"no {kind} in the sandbox seed"
    assert all(isinstance(r["id"], int) for r in rows)
    if kind == "accounts":
        assert all(cid in r["company_ids"] and r["account_type"] != "other" for r in rows)
    if kind == "employees":
        assert {"work_email", "department_id", "company_id", "active"} <= set(rows[0])
    if kind == "companies":
        assert set(gw_version.profile.lock_date_fields) <= set(rows[0])
    if kind == "projects":
        assert all(r["analytic_account_id"] for r in rows)


# --------------------------------------------------------------------------------------------- flows
def test_expense_report_is_posted_through_each_versions_expense_flow(gw_version):
    cid = company_id(gw_version)
    employee = next(e for e in master_data.fetch(gw_version, "employees", cid) if e["active"] and e["work_email"])
    category = next(c for c in master_data.fetch(gw_version, "expense_categories", cid) if c["expense_account_id"])
    analytic = next(master_data.fetch(gw_version, "analytic_accounts", cid))
    line = flows.ExpenseLine(category["id"], "Hotel", TODAY, 120.0, analytic_account_id=analytic["id"])
    report = flows.create_expense_report(gw_version, employee_id=employee["id"], name="Trip", lines=[line, line])
    posted = flows.post_expense_report(gw_version, report)
    assert posted.move_ids, posted
    assert posted.state in {"post", "posted", "done"}
    moves = gw_version.read("account.move", posted.move_ids, ["state"])
    assert {m["state"] for m in moves} == {"posted"}


def test_journal_entries_are_created_and_posted_in_one_call_each(gw):
    ids = gw.create("account.move", [move_vals(gw) for _ in range(3)])
    gw.post_moves(ids)
    assert {m["state"] for m in gw.read("account.move", ids, ["state"])} == {"posted"}


@pytest.mark.parametrize("gw_version", [16, 17, 18, 19], indirect=True, ids=lambda v: f"v{v}")
def test_posting_a_draft_in_a_locked_period_redates_it_from_16(gw_version):
    """Odoo 11 refuses instead (the contract suite covers it)."""
    cid = company_id(gw_version)
    gw_version.write("res.company", [cid], {"fiscalyear_lock_date": "2001-12-31"})  # no drafts before it
    try:
        draft = gw_version.create("account.move", move_vals(gw_version, date="2001-03-01"))
        gw_version.post_moves([draft])
        row = gw_version.read("account.move", [draft], ["state", "date"])[0]
        assert row["state"] == "posted" and row["date"] > "2001-12-31"
    finally:
        gw_version.write("res.company", [cid], {"fiscalyear_lock_date": False})


# --------------------------------------------------------------------------------------------- faults
def test_unbalanced_entry_is_a_validation_error(gw):
    with pytest.raises(OdooValidationError) as error:
        move = gw.create("account.move", move_vals(gw, credit=9.0))
        gw.post_moves([move])
    assert error.value.kind == "unbalanced"


def test_unknown_model_and_private_method_are_classified(gw):
    with pytest.raises((OdooValidationError, OdooUnknownError)) as error:
        gw.search("no.such.model", [])
    if gw.config.protocol != "json2":  # JSON-2 answers 404 Not Found for an unknown model
        assert error.value.kind == "unknown_model"
    with pytest.raises((OdooAuthError, OdooUnknownError)) as private:
        gw.call("account.move", "_check_lock_date", [1])
    if gw.config.protocol != "json2":
        assert private.value.kind == "private_method"


@pytest.mark.parametrize("gw_version", [16, 17, 18], indirect=True, ids=lambda v: f"v{v}")
def test_none_returning_workflow_method_is_a_success(gw_version):
    """The sheet's submit method returns None (16–18): the gateway answers None and the state moved."""
    profile = gw_version.profile
    cid = company_id(gw_version)
    employee = next(master_data.fetch(gw_version, "employees", cid))
    category = next(master_data.fetch(gw_version, "expense_categories", cid))
    line = flows.ExpenseLine(category["id"], "Lunch", TODAY, 20.0)
    report = flows.create_expense_report(gw_version, employee_id=employee["id"], name="None", lines=[line])
    model, method = profile.expense_flow.steps[0]
    assert gw_version.call(model, method, [report.report_id]) is None
    state = gw_version.read(model, [report.report_id], ["state"])[0]["state"]
    assert state != profile.expense_flow.created_state
