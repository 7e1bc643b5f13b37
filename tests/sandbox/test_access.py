"""Access rights per group and multi-company record rules, with Odoo's wording."""

import pytest

from tests.sandbox.helpers import Rpc


@pytest.fixture
def clerk(sb):
    """The seeded `restricted` user: an internal user of company 1 without accounting rights."""
    return Rpc(sb, "restricted", "restricted")


def test_restricted_user_reads_accounting_but_cannot_write_it(clerk, rpc):
    assert clerk("account.account", "search_count", []) > 0
    fault = clerk.fault("account.move", "create", rpc.move_vals())
    assert fault.faultCode == 4
    if rpc.version < 12:
        assert fault.faultString.startswith(
            "('Sorry, you are not allowed to create this kind of document. Only users with the following access level "
            "are currently allowed to do that:\\n- Accounting / Billing"
        )
        assert "(Document model: account.move)" in fault.faultString
    else:
        assert fault.faultString == (
            "You are not allowed to create 'Journal Entry' (account.move) records.\n\n"
            "This operation is allowed for the following groups:\n\t- Accounting / Billing\n\n"
            "Contact your administrator to request access if necessary."
        )
    assert clerk("account.move", "check_access_rights", "write", raise_exception=False) is False
    assert clerk.fault("account.move", "check_access_rights", "write").faultCode == 4


def test_restricted_user_only_sees_its_company(clerk, rpc):
    companies = {e["company_id"][0] for e in clerk("hr.employee", "search_read", [], fields=["company_id"])}
    assert companies == {1}
    french = rpc("hr.employee", "search", [["company_id", "=", 2]], limit=1)
    fault = clerk.fault("hr.employee", "read", french, fields=["name"])
    assert fault.faultCode == 4
    expected = "security restrictions" if rpc.version < 12 else "top-secret records"
    assert expected in fault.faultString


def test_allowed_company_ids_limits_what_the_admin_sees_from_13(rpc):
    if rpc.version < 13:
        pytest.skip("allowed_company_ids exists from 13; 11's admin is the superuser")
    ids = rpc("hr.employee", "search", [], context={"allowed_company_ids": [2]})
    assert {e["company_id"][0] for e in rpc("hr.employee", "read", ids, fields=["company_id"])} == {2}
    us = rpc("hr.employee", "search", [["company_id", "=", 1]], limit=1)
    fault = rpc.fault("hr.employee", "read", us, fields=["name"], context={"allowed_company_ids": [2]})
    assert fault.faultCode == 4 and "top-secret records" in fault.faultString
    fault = rpc.fault("account.move", "create", rpc.move_vals(), context={"allowed_company_ids": [2]})
    assert fault.faultCode == 4


def test_a_company_the_user_does_not_have_is_refused_from_13(clerk, rpc):
    if rpc.version < 13:
        pytest.skip("allowed_company_ids exists from 13")
    fault = clerk.fault("hr.employee", "search", [], context={"allowed_company_ids": [2]})
    assert (fault.faultCode, fault.faultString) == (4, "Access to unauthorized or invalid companies.")


def test_a_french_accountant_posts_in_france_only(sb, rpc):
    accountant = Rpc(sb, "fr.accountant", "fr.accountant")
    move = accountant("account.move", "create", accountant.move_vals(company=2))
    accountant("account.move", accountant.post_method, [move])
    assert accountant("account.move", "read", [move], fields=["state"])[0]["state"] == "posted"
    assert accountant.fault("account.move", "create", rpc.move_vals(company=1)).faultCode == 4


def test_users_can_be_created_with_groups_by_an_admin(rpc, sb):
    login = f"new.clerk.{rpc.version}.{rpc('res.users', 'search_count', [])}"
    group = rpc("ir.model.data", "check_object_reference", "base", "group_user")[1]
    groups = "groups_id" if rpc.version < 19 else "group_ids"
    uid = rpc("res.users", "create", {"name": "New Clerk", "login": login, "password": "pw", groups: [[6, 0, [group]]]})
    clerk = Rpc(sb, login, "pw")
    assert clerk.uid == uid
    assert clerk.fault("res.company", "write", [1], {"name": "Nope"}).faultCode == 4
