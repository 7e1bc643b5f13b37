"""The Odoo 11 contract: every test here must pass against the sandbox (profile 11) AND a real Odoo 11.

That is how the sandbox proves it behaves like Odoo. Everything goes over real sockets through the gateway
(or, to pin down the wire behaviour itself, the stdlib XML-RPC client). Tests create their own records and
leave the shared server as they found it (lock dates are reset).
"""

import datetime
import uuid
import xmlrpc.client

import pytest

from apps.connectors.odoo import OdooAuthError, OdooConfig, OdooUnknownError, OdooValidationError, flows, master_data
from apps.connectors.odoo.faults import is_none_return
from tests.contract.odoo_support import gateway, real_odoo11_config, sandbox_config, with_

pytest_plugins = ["tests.contract.odoo_targets"]

TODAY = datetime.date.today().isoformat()
LOCK_DATE = "2000-12-31"
CLERK = {"login": "ic_contract_clerk", "password": "clerk-pass-1"}
ACCOUNT_TYPES = {
    "asset_receivable", "asset_cash", "asset_current", "asset_non_current", "asset_prepayments", "asset_fixed",
    "liability_payable", "liability_credit_card", "liability_current", "liability_non_current", "equity",
    "equity_unaffected", "income", "income_other", "expense", "expense_depreciation", "expense_direct_cost", "other",
}  # fmt: skip


@pytest.fixture(params=["sandbox11", pytest.param("real11", marks=pytest.mark.odoo11)])
def target(request) -> OdooConfig:
    """The config of one contract target (XML-RPC, admin)."""
    if request.param == "real11":
        request.getfixturevalue("real_odoo11")
        return real_odoo11_config()
    return sandbox_config(request.getfixturevalue("sandboxes")(11))


@pytest.fixture
def gw(target):
    with gateway(target) as gw:
        yield gw


@pytest.fixture(params=["xmlrpc", "jsonrpc"])
def gw_any(request, target):
    """The same target over each protocol Odoo 11 speaks."""
    with gateway(with_(target, protocol=request.param)) as gw:
        yield gw


def _first(gw, kind, pred=lambda row: True):
    return next(row for row in master_data.fetch(gw, kind, _company_id(gw)) if pred(row))


def _company_id(gw) -> int:
    return gw.read("res.users", [gw.uid], ["company_id"])[0]["company_id"][0]


def _move(gw, *, date=TODAY, debit=100.0, credit=100.0, ref="contract") -> dict:
    accounts = [a for a in master_data.fetch(gw, "accounts", _company_id(gw)) if a["active"]][:2]
    journal = _first(gw, "journals", lambda j: j["type"] == "general")
    lines = [
        flows.MoveLine(accounts[0]["id"], "debit", debit=debit),
        flows.MoveLine(accounts[1]["id"], "credit", credit=credit),
    ]
    return flows.journal_entry_vals(gw.profile, journal_id=journal["id"], date=date, ref=ref, lines=lines)


def _expense_report(gw, amount=42.5) -> flows.ExpenseReport:
    employee = _first(gw, "employees", lambda e: e["active"])
    category = _first(gw, "expense_categories", lambda c: c["expense_account_id"])
    line = flows.ExpenseLine(product_id=category["id"], name="Taxi to client", date=TODAY, unit_amount=amount)
    return flows.create_expense_report(
        gw, employee_id=employee["id"], name=f"Contract {uuid.uuid4().hex[:6]}", lines=[line]
    )


# --------------------------------------------------------------------------------------------- connection
def test_connection_reports_version_user_companies_and_no_missing_rights_for_admin(gw_any):
    report = gw_any.test_connection()
    assert report.ok, report.error
    assert report.server_version.startswith("11.")
    assert gw_any.profile.major == 11
    assert report.user.login == gw_any.config.login and report.user.id == gw_any.uid
    assert report.companies and all(c.currency for c in report.companies)
    assert report.missing_rights == []


def test_wrong_password_is_an_auth_error_and_a_failed_connection_report(target):
    with gateway(with_(target, secret="wrong-password")) as bad:
        with pytest.raises(OdooAuthError):
            bad.search("res.partner", [], limit=1)
        report = bad.test_connection()
    assert not report.ok and report.error_class == "OdooAuthError"
    assert "wrong-password" not in (report.error or "")


# --------------------------------------------------------------------------------------------- master data
def test_master_data_of_every_kind_is_normalized(gw_any):
    company_id = _company_id(gw_any)
    companies = list(master_data.fetch(gw_any, "companies", company_id))
    assert companies[0]["currency"] and "fiscalyear_lock_date" in companies[0] and "hard_lock_date" in companies[0]
    employee = _first(gw_any, "employees")
    assert set(employee) == {"id", "name", "work_email", "department_id", "company_id", "active"}
    accounts = list(master_data.fetch(gw_any, "accounts", company_id))
    assert accounts and {a["account_type"] for a in accounts} <= ACCOUNT_TYPES
    assert any(a["account_type"] == "expense" for a in accounts)
    assert all(a["company_ids"] == [company_id] for a in accounts)
    taxes = list(master_data.fetch(gw_any, "taxes", company_id))
    assert any(t["type_tax_use"] == "purchase" and t["amount_type"] == "percent" for t in taxes)
    assert any(j["type"] == "general" for j in master_data.fetch(gw_any, "journals", company_id))
    assert all(c["expense_account_id"] for c in master_data.fetch(gw_any, "expense_categories", company_id))
    assert all("analytic_account_id" in p for p in master_data.fetch(gw_any, "projects", company_id))
    assert list(master_data.fetch(gw_any, "analytic_plans", company_id)) == []  # no plans before 16
    assert any(c["name"] == companies[0]["currency"] for c in master_data.fetch(gw_any, "currencies"))


def test_search_read_all_pages_through_every_record(gw):
    total = gw.search_count("res.partner", [])
    pages = list(gw.search_read_all("res.partner", [], ["name"], page_size=3))
    assert sum(len(p) for p in pages) == total
    assert all(len(p) == 3 for p in pages[:-1])


def test_unknown_fields_are_silently_ignored_on_read(gw):
    partner_id = gw.search("res.partner", [], limit=1)[0]
    assert gw.read("res.partner", [partner_id], ["no_such_field"]) == [{"id": partner_id}]


def test_external_ids_round_trip(gw):
    partner_id = gw.create("res.partner", {"name": "Contract partner"})
    name = f"contract_{uuid.uuid4().hex[:10]}"
    gw.create_external_id("integration_console", name, "res.partner", partner_id)
    assert gw.lookup_external_id("integration_console", name) == ("res.partner", partner_id)
    assert gw.lookup_external_id("integration_console", name + "_missing") is None


# --------------------------------------------------------------------------------------------- expense flow
def test_external_ids_are_imported_in_one_call_all_or_none(gw):
    # Odoo 11 has no list create: its import (`load`) creates many external ids in one call, in one transaction.
    partners = [gw.create("res.partner", {"name": f"Imported {n}"}) for n in range(2)]
    names = [f"contract_load_{uuid.uuid4().hex[:10]}" for _ in partners]
    rows = [{"module": "integration_console", "name": name, "model": "res.partner", "res_id": partner,
             "noupdate": True} for name, partner in zip(names, partners, strict=True)]  # fmt: skip
    ids = gw.create_external_ids(rows)
    stored = gw.read("ir.model.data", ids, ["name", "res_id", "noupdate"])
    assert [(r["name"], r["res_id"], r["noupdate"]) for r in stored] == [
        (row["name"], row["res_id"], True) for row in rows
    ]

    fresh = f"contract_load_{uuid.uuid4().hex[:10]}"
    with pytest.raises(OdooUnknownError) as error:  # what a duplicate in a list create is on 12+ too
        gw.create_external_ids([{**rows[0], "name": fresh}, rows[1]])
    assert error.value.message.startswith("UniqueViolation: duplicate key value violates unique constraint")
    assert gw.search_count("ir.model.data", [["name", "=", fresh]]) == 0  # the row before the duplicate: undone too

    answer = gw.call("ir.model.data", "load", (["module", "name", "model", "res_id"], [
        ["integration_console", fresh, "res.partner", str(partners[0])],
        ["integration_console", names[0], "res.partner", str(partners[0])]]))  # fmt: skip
    assert answer["ids"] is False and [m["type"] for m in answer["messages"]] == ["error"]
    assert answer["messages"][0]["rows"] == {"from": 1, "to": 1} and answer["messages"][0]["record"] == 1
    assert answer["messages"][0]["message"] == (
        'duplicate key value violates unique constraint "ir_model_data_module_name_uniq_index"\n'
        f"DETAIL:  Key (module, name)=(integration_console, {names[0]}) already exists.\n"
    )


def test_expense_report_is_created_submitted_and_posted_through_the_expense_flow(gw):
    report = _expense_report(gw)
    assert report.state == "submit"  # Odoo 11 creates sheets directly in 'submit'
    posted = flows.post_expense_report(gw, report)
    assert posted.state == "post" and len(posted.move_ids) == 1
    move = gw.read("account.move", posted.move_ids, ["state", "amount"])[0]
    assert move["state"] == "posted" and move["amount"] == pytest.approx(42.5)


def test_approve_faults_with_none_return_yet_the_approval_is_committed(gw, target):
    report = _expense_report(gw)
    raw = xmlrpc.client.ServerProxy(target.url + "/xmlrpc/2/object")
    with pytest.raises(xmlrpc.client.Fault) as fault:
        raw.execute_kw(
            target.database, gw.uid, target.secret, "hr.expense.sheet", "approve_expense_sheets", [[report.report_id]]
        )
    assert is_none_return(fault.value) and fault.value.faultCode == 1
    assert gw.read("hr.expense.sheet", [report.report_id], ["state"])[0]["state"] == "approve"


def test_gateway_call_treats_the_none_return_fault_as_success(gw):
    report = _expense_report(gw)
    assert gw.call("hr.expense.sheet", "approve_expense_sheets", [report.report_id]) is None
    assert gw.read("hr.expense.sheet", [report.report_id], ["state"])[0]["state"] == "approve"


# --------------------------------------------------------------------------------------------- journal entries
def test_journal_entries_are_created_one_by_one_and_posted_in_one_call(gw):
    ids = gw.create("account.move", [_move(gw), _move(gw, debit=50.0, credit=50.0)])
    assert len(ids) == 2
    gw.post_moves(ids)
    moves = gw.read("account.move", ids, ["state", "name", "amount"])
    assert [m["state"] for m in moves] == ["posted", "posted"]
    assert all(m["name"] and m["name"] != "/" for m in moves)


def test_journal_entries_are_imported_with_their_lines_and_external_ids_in_one_call(gw):
    tag = uuid.uuid4().hex[:8]
    tax = _first(gw, "taxes", lambda t: t["type_tax_use"] == "purchase")
    partner = gw.create("res.partner", {"name": f"Imported {tag}"})
    first, second = _move(gw, ref=f"import {tag} 1"), _move(gw, debit=50.0, credit=50.0, ref=f"import {tag} 2")
    first["line_ids"][0][2]["tax_ids"] = [[6, 0, [tax["id"]]]]
    first["line_ids"][1][2]["partner_id"] = partner
    xmlids = [f"integration_console.import_{tag}_{n}" for n in (1, 2)]
    ids = gw.load("account.move", [first, second], xmlids)
    moves = gw.read("account.move", ids, ["ref", "state", "date"])
    assert [(m["ref"], m["state"], m["date"]) for m in moves] == [(f"import {tag} 1", "draft", TODAY),
                                                                 (f"import {tag} 2", "draft", TODAY)]  # fmt: skip
    fields = ["move_id", "debit", "credit", "tax_ids", "partner_id"]
    lines = gw.search_read("account.move.line", [["move_id", "in", ids]], fields, order="id")
    assert sorted((line["move_id"][0], line["debit"], line["credit"]) for line in lines) == sorted(
        [(ids[0], 100.0, 0.0), (ids[0], 0.0, 100.0), (ids[1], 50.0, 0.0), (ids[1], 0.0, 50.0)]
    )
    assert [line["tax_ids"] for line in lines if line["debit"] == 100.0] == [[tax["id"]]]
    assert [line["partner_id"][0] for line in lines if line["credit"] == 100.0] == [partner]
    assert [gw.lookup_external_id("integration_console", x.split(".")[1]) for x in xmlids] == [
        ("account.move", ids[0]),
        ("account.move", ids[1]),
    ]

    unbalanced = [_move(gw, ref=f"import {tag} 3"), _move(gw, debit=10.0, credit=9.0, ref=f"import {tag} 4")]
    with pytest.raises(OdooValidationError) as error:
        gw.load("account.move", unbalanced, [f"integration_console.import_{tag}_{n}" for n in (3, 4)])
    assert error.value.kind == "unbalanced" and error.value.message == "Cannot create unbalanced journal entry."
    assert gw.search_count("account.move", [["ref", "in", [f"import {tag} 3", f"import {tag} 4"]]]) == 0
    answer = gw.call("account.move", "load", (["ref", "journal_id/.id", "line_ids/account_id/.id", "line_ids/debit"],
                                              [[f"import {tag} 5", str(first["journal_id"]),
                                                str(first["line_ids"][0][2]["account_id"]), "1"]]))  # fmt: skip
    assert answer == {"ids": False, "messages": [{
        "rows": {"from": 0, "to": 0}, "record": 0, "type": "error", "moreinfo": "Resolve other errors first",
        "message": "Unknown error during import: <class 'odoo.exceptions.UserError'>: "
                   "('Cannot create unbalanced journal entry.', '')"}]}  # fmt: skip


def test_odoo11_refuses_list_create_and_the_gateway_loops_instead(gw):
    with pytest.raises(OdooUnknownError, match="has no attribute 'get'"):
        gw.execute("account.move", "create", [[_move(gw), _move(gw)]])
    assert len(gw.create("res.partner", [{"name": "Loop A"}, {"name": "Loop B"}])) == 2


# --------------------------------------------------------------------------------------------- faults
def test_unbalanced_entry_is_a_validation_error_of_kind_unbalanced(gw_any):
    with pytest.raises(OdooValidationError) as error:
        move_id = gw_any.create("account.move", _move(gw_any, credit=99.0))
        gw_any.post_moves([move_id])
    assert error.value.kind == "unbalanced" and "unbalanced" in error.value.message


def test_posting_into_a_locked_period_is_a_validation_error_of_kind_closed_period(gw):
    company_id = _company_id(gw)
    leftovers = gw.search("account.move", [["date", "<=", LOCK_DATE], ["state", "=", "draft"]])
    if leftovers:
        gw.unlink("account.move", leftovers)
    gw.write("res.company", [company_id], {"fiscalyear_lock_date": LOCK_DATE})
    draft_id = None
    try:
        assert next(master_data.fetch(gw, "companies", company_id))["fiscalyear_lock_date"] == LOCK_DATE
        draft_id = gw.create("account.move", _move(gw, date="2000-06-15"))
        with pytest.raises(OdooValidationError) as error:
            gw.post_moves([draft_id])
        assert error.value.kind == "closed_period" and LOCK_DATE in error.value.message
    finally:
        gw.write("res.company", [company_id], {"fiscalyear_lock_date": False})
        if draft_id:
            gw.unlink("account.move", [draft_id])


def test_modifying_a_posted_entry_is_a_validation_error_of_kind_posted_entry(gw):
    move_id = gw.create("account.move", _move(gw))
    gw.post_moves([move_id])
    with pytest.raises(OdooValidationError) as error:
        gw.unlink("account.move", [move_id])
    assert error.value.kind == "posted_entry"


def test_unknown_model_is_a_validation_error_of_kind_unknown_model(gw_any):
    with pytest.raises(OdooValidationError) as error:
        gw_any.search("no.such.model", [])
    assert error.value.kind == "unknown_model" and error.value.message.startswith("Object no.such.model")


def test_private_method_is_an_auth_error(gw_any):
    with pytest.raises(OdooAuthError) as error:
        gw_any.call("account.move", "_check_lock_date", [1])
    assert error.value.kind == "private_method"
    assert error.value.message == "Private methods (such as _check_lock_date) cannot be called remotely."


def test_bad_field_in_a_domain_is_an_unknown_error_with_the_exception_line(gw_any):
    with pytest.raises(OdooUnknownError, match="Invalid field 'no_such_field'"):
        gw_any.search("account.move", [["no_such_field", "=", 1]])


def _clerk(gw) -> OdooConfig:
    """An internal user with no accounting rights (created once per server)."""
    if not gw.search("res.users", [["login", "=", CLERK["login"]]]):
        group = gw.lookup_external_id("base", "group_user")[1]
        vals = {"name": "IC contract clerk", "login": CLERK["login"], "password": CLERK["password"]}
        gw.create("res.users", vals | {"groups_id": [[6, 0, [group]]]})
    return with_(gw.config, login=CLERK["login"], secret=CLERK["password"])


def test_access_error_for_a_user_without_rights_and_reported_as_missing_rights(gw):
    with gateway(_clerk(gw)) as clerk:
        with pytest.raises(OdooAuthError) as error:
            clerk.write("res.company", [_company_id(gw)], {"name": "Not allowed"})
        assert error.value.code == 4 and error.value.kind == "AccessError"
        report = clerk.test_connection()
    assert report.ok and {"account.move:create", "account.move:write"} <= set(report.missing_rights)
