"""Journal entries: balance, posting per version, sequences, lock dates, posted immutability, payment state."""

import pytest

from sandbox.odoo.testing import run_sandbox
from tests.sandbox.helpers import Rpc, exception_line


@pytest.fixture
def company(rpc):
    """Company 1 with no lock dates before and after the test."""
    rpc.unlock(1)
    yield 1
    rpc.unlock(1)


def test_balanced_entry_is_created_and_posted_with_a_journal_sequence(rpc):
    move = rpc("account.move", "create", rpc.move_vals(date="2026-04-02"))
    assert rpc("account.move", "read", [move], fields=["state", "name"])[0]["state"] == "draft"
    result = rpc("account.move", rpc.post_method, [move])
    assert result is (rpc.version < 13)
    row = rpc("account.move", "read", [move], fields=["state", "name", "date"])[0]
    assert row["state"] == "posted" and row["date"] == "2026-04-02"
    assert row["name"].startswith("MISC/2026/") and len(row["name"]) == len("MISC/2026/0001")
    lines = rpc("account.move.line", "search_read", [["move_id", "=", move]], fields=["debit", "credit"])
    assert sorted((r["debit"], r["credit"]) for r in lines) == [(0.0, 10.0), (10.0, 0.0)]


def test_post_method_names_per_version(rpc):
    move = rpc("account.move", "create", rpc.move_vals())
    wrong = "action_post" if rpc.version < 13 else "post"
    assert rpc.fault("account.move", wrong, [move]).faultCode == 1


def test_unbalanced_entry_is_refused_with_the_versions_text(rpc):
    fault = rpc.fault("account.move", "create", rpc.move_vals(credit=9.0))
    assert fault.faultCode == 2
    if rpc.version < 12:
        assert fault.faultString == "Cannot create unbalanced journal entry."
    else:
        assert fault.faultString.startswith("An error has occurred.\n\nThe move (Draft Entry (* ")
        assert (
            "is not balanced.\nThe total of debits equals $\xa010.00 and the total of credits equals $\xa09.00."
            in fault.faultString
        )


def test_create_many_entries_in_one_call_from_12(rpc):
    if rpc.version < 12:
        pytest.skip("11 has no multi-create (test_orm)")
    moves = rpc("account.move", "create", [rpc.move_vals() for _ in range(3)])
    assert rpc("account.move", rpc.post_method, moves) is False
    assert {r["state"] for r in rpc("account.move", "read", moves, fields=["state"])} == {"posted"}


def test_posted_entry_cannot_be_deleted_or_changed(rpc):
    move = rpc("account.move", "create", rpc.move_vals())
    rpc("account.move", rpc.post_method, [move])
    fault = rpc.fault("account.move", "unlink", [move])
    assert fault.faultCode == 2
    if rpc.version < 12:
        assert fault.faultString.startswith(
            "You cannot do this modification on a posted journal entry, you can just change"
        )
        line = rpc("account.move.line", "search", [["move_id", "=", move]], limit=1)
        assert rpc.fault("account.move.line", "write", line, {"debit": 1.0}).faultString.startswith(
            "You cannot do this modification"
        )
    else:
        assert fault.faultString == "You cannot delete an entry which has been posted once."
        other = rpc.journal("EXP")
        assert "journal" in rpc.fault("account.move", "write", [move], {"journal_id": other}).faultString


def test_payment_state_is_not_paid_until_marked_paid(rpc, sb):
    if rpc.version < 14:
        pytest.skip("payment_state exists from 14")
    move = rpc("account.move", "create", rpc.move_vals())
    rpc("account.move", "action_post", [move])
    assert rpc("account.move", "read", [move], fields=["payment_state"])[0]["payment_state"] == "not_paid"
    assert sb.pay(move_ids=[move])["move_ids"] == [move]
    assert rpc("account.move", "read", [move], fields=["payment_state"])[0]["payment_state"] == "paid"


def test_posting_into_a_locked_period_faults_in_11_and_is_redated_from_16(rpc, company):
    rpc.lock(company, fiscalyear_lock_date="2001-12-31")
    draft = rpc("account.move", "create", rpc.move_vals(date="2001-06-15"))
    if rpc.version < 12:
        fault = rpc.fault("account.move", "post", [draft])
        assert (fault.faultCode, fault.faultString) == (
            2,
            "You cannot add/modify entries prior to and inclusive of the lock date 2001-12-31",
        )
        assert rpc.fault("account.move", "unlink", [draft]).faultString.startswith(
            "You cannot add/modify entries prior"
        )
        rpc.unlock(company)
        rpc("account.move", "unlink", [draft])
        return
    assert rpc("account.move", "action_post", [draft]) is False
    row = rpc("account.move", "read", [draft], fields=["state", "date", "name"])[0]
    assert row["state"] == "posted" and row["date"] == "2002-01-01" and row["name"].startswith("MISC/2002/")


def test_modifying_a_posted_entry_before_the_lock_date_faults_with_the_versions_text(rpc, company):
    move = rpc("account.move", "create", rpc.move_vals(date="2002-03-01"))
    rpc("account.move", rpc.post_method, [move])
    rpc.lock(company, fiscalyear_lock_date="2002-12-31")
    line = rpc("account.move.line", "search", [["move_id", "=", move]], limit=1)
    fault = rpc.fault(
        "account.move.line", "write", line, {"name": "x", "debit": 10.0, "account_id": rpc.account("6200")}
    )
    assert fault.faultCode == 2
    expected = {
        11: "You cannot do this modification on a posted journal entry",
        16: "You cannot add/modify entries prior to and inclusive of the lock date 12/31/2002.",
        17: "You cannot add/modify entries prior to and inclusive of the lock date 12/31/2002.",
        18: "You cannot add/modify entries prior to and inclusive of: Global Lock Date (12/31/2002).",
        19: "You cannot add/modify entries prior to and inclusive of: Global Lock Date (12/31/2002).",
    }[rpc.version]
    assert fault.faultString.startswith(expected)
    if rpc.version >= 13:
        assert rpc.fault("account.move", "button_draft", [move]).faultString.startswith(expected)


def test_non_advisers_see_the_period_lock_and_the_adviser_hint(sb, company):
    if sb.version >= 18:
        pytest.skip("period_lock_date is gone from 18")
    admin = Rpc(sb)
    admin.lock(company, period_lock_date="2003-12-31")
    clerk = Rpc(sb, "fr.accountant", "fr.accountant")
    admin("res.company", "write", [2], {"period_lock_date": "2003-12-31"})
    try:
        draft = clerk("account.move", "create", clerk.move_vals(date="2003-05-05", company=2))
        if sb.version < 12:
            fault = clerk.fault("account.move", "post", [draft])
            assert fault.faultString == (
                "You cannot add/modify entries prior to and inclusive of the lock date 2003-12-31. "
                "Check the company settings or ask someone with the 'Adviser' role"
            )
        else:
            clerk("account.move", "action_post", [draft])
            assert clerk("account.move", "read", [draft], fields=["date"])[0]["date"] == "2004-01-01"
    finally:
        admin("res.company", "write", [2], {"period_lock_date": False})


def test_locking_a_period_with_draft_entries_is_refused(rpc, company):
    draft = rpc("account.move", "create", rpc.move_vals(date="2004-02-02"))
    fault = rpc.fault("res.company", "write", [company], {"fiscalyear_lock_date": "2004-12-31"})
    assert "There are still unposted entries in the period you want to lock." in fault.faultString
    assert fault.faultCode == (1 if rpc.version < 12 else 2)
    rpc("account.move", "unlink", [draft])


def test_18_applies_the_purchase_lock_to_purchase_journals_only(rpc, company):
    if rpc.version < 18:
        pytest.skip("sale/purchase lock dates exist from 18")
    rpc.lock(company, purchase_lock_date="2005-12-31")
    purchase = rpc("account.move", "create", rpc.move_vals(date="2005-06-01", journal="EXP"))
    general = rpc("account.move", "create", rpc.move_vals(date="2005-06-01", journal="MISC"))
    rpc("account.move", "action_post", [purchase, general])
    dates = {r["id"]: r["date"] for r in rpc("account.move", "read", [purchase, general], fields=["date"])}
    assert dates == {purchase: "2006-01-01", general: "2005-06-01"}


def test_wrong_debit_and_credit_on_one_line_is_refused(rpc):
    vals = rpc.move_vals()
    vals["line_ids"][0][2]["credit"] = 5.0
    vals["line_ids"][1][2]["debit"] = 5.0
    fault = rpc.fault("account.move", "create", vals)
    assert "Wrong credit or debit value in accounting entry !" in (
        fault.faultString if fault.faultCode != 1 else exception_line(fault)
    )


def test_18_hard_lock_date_cannot_be_moved_back(tmp_path):
    with run_sandbox(18, tmp_path) as sb:
        rpc = Rpc(sb)
        rpc.lock(3, hard_lock_date="2007-12-31")
        assert rpc.fault("res.company", "write", [3], {"hard_lock_date": False}).faultString == (
            "The Hard Lock Date cannot be decreased or removed."
        )
        assert rpc("res.company", "write", [3], {"hard_lock_date": "2008-12-31"}) is True


def test_tax_lock_date_only_moves_entries_with_taxes_from_16(rpc, company):
    if rpc.version < 16:
        pytest.skip("tax_lock_date exists from 13; 11 has none")
    rpc.lock(company, tax_lock_date="2009-12-31")
    try:
        taxed = rpc.move_vals(date="2009-06-01")
        taxed["line_ids"][0][2]["tax_ids"] = [[6, 0, [1]]]
        taxed = rpc("account.move", "create", taxed)
        plain = rpc("account.move", "create", rpc.move_vals(date="2009-06-01"))
        rpc("account.move", "action_post", [taxed, plain])
        dates = {r["id"]: r["date"] for r in rpc("account.move", "read", [taxed, plain], fields=["date"])}
        assert dates == {taxed: "2010-01-01", plain: "2009-06-01"}
    finally:
        rpc("res.company", "write", [company], {"tax_lock_date": False})
