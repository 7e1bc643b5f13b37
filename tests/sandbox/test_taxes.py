"""Taxes on journal entries: repartition lines (13+), Odoo 16+'s computed tax lines and automatic balancing line,
Odoo 11's manual entries (no tax line of its own), and the partners' payable accounts per company."""

import pytest

FR, FR_20, FR_10 = 2, 2, 3  # company Acme France SAS; its 20 % and 10 % purchase taxes


@pytest.fixture
def fr(rpc):
    """XML-RPC in company 2 (France) and a helper building an entry there."""

    def entry(*lines, journal="MISC"):
        return {"journal_id": rpc.journal(journal, FR), "date": "2026-03-01", "ref": "tax test",
                "line_ids": [[0, 0, line] for line in lines]}  # fmt: skip

    rpc.entry = entry
    return rpc


def base(rpc, debit=0.0, credit=0.0, taxes=(FR_20,), code="6100", **extra):
    return {"account_id": rpc.account(code, FR), "name": "base", "debit": debit, "credit": credit,
            "tax_ids": [[6, 0, list(taxes)]], **extra}  # fmt: skip


def counterpart(rpc, debit=0.0, credit=0.0, code="2110"):
    return {"account_id": rpc.account(code, FR), "name": "counterpart", "debit": debit, "credit": credit}


def lines_of(rpc, move, *more):
    fields = ["name", "account_id", "debit", "credit", "tax_line_id", *more]
    rows = rpc("account.move.line", "search_read", [["move_id", "=", move]], fields=fields)
    return sorted(rows, key=lambda r: r["id"])


def tax_share(rpc, tax, refund=False) -> int:
    """The `tax` line of the tax's invoice (or refund) distribution."""
    field = "refund_repartition_line_ids" if refund else "invoice_repartition_line_ids"
    ids = rpc("account.tax", "read", [tax], fields=[field])[0][field]
    rows = rpc("account.tax.repartition.line", "read", ids, fields=["repartition_type"])
    return next(r["id"] for r in rows if r["repartition_type"] == "tax")


def needs_16(rpc):
    if rpc.version < 16:
        pytest.skip("Odoo 11 computes no tax line on a manual entry (test_odoo_11_adds_no_tax_line_of_its_own)")


def test_every_tax_has_a_readable_distribution_with_its_vat_account_from_16(rpc):
    if rpc.version < 16:
        fault = rpc.fault("account.tax.repartition.line", "search", [])
        assert fault.faultString == "Object account.tax.repartition.line doesn't exist"
        return
    fields = ["invoice_repartition_line_ids", "refund_repartition_line_ids", "company_id"]
    for tax in rpc("account.tax", "search_read", [], fields=fields, context={"active_test": False}):
        for field in ("invoice_repartition_line_ids", "refund_repartition_line_ids"):
            rows = rpc("account.tax.repartition.line", "read", tax[field],
                       fields=["repartition_type", "account_id", "factor_percent", "tax_id"])  # fmt: skip
            assert sorted(r["repartition_type"] for r in rows) == ["base", "tax"]
            share = next(r for r in rows if r["repartition_type"] == "tax")
            assert share["account_id"][1].startswith("2300") and share["factor_percent"] == 100.0
            assert all(r["tax_id"][0] == tax["id"] for r in rows)


def test_a_20_percent_base_line_gets_its_tax_line_on_the_vat_account(fr):
    needs_16(fr)
    move = fr("account.move", "create", fr.entry(base(fr, debit=100.0), counterpart(fr, credit=120.0)))
    rows = lines_of(fr, move, "tax_repartition_line_id", "tax_base_amount", "display_type")
    tax = [r for r in rows if r["tax_line_id"]]
    assert len(rows) == 3 and len(tax) == 1
    assert tax[0]["tax_line_id"][0] == FR_20 and tax[0]["tax_repartition_line_id"][0] == tax_share(fr, FR_20)
    assert tax[0]["account_id"][1] == "2300 VAT Deductible"
    assert (tax[0]["debit"], tax[0]["credit"], tax[0]["tax_base_amount"]) == (20.0, 0.0, 100.0)
    assert tax[0]["name"] == "FR-20" and tax[0]["display_type"] == "tax"
    fr("account.move", "action_post", [move])
    assert fr("account.move", "read", [move], fields=["state"])[0]["state"] == "posted"


def test_odoo_11_adds_no_tax_line_of_its_own(rpc):
    """Checked against a real Odoo 11: the gross credit is refused as unbalanced, the net one has two lines."""
    if rpc.version != 11:
        pytest.skip("11 only")
    lines = [base(rpc, debit=100.0), counterpart(rpc, credit=120.0)]
    entry = {"journal_id": rpc.journal("MISC", FR), "date": "2026-03-01", "line_ids": [[0, 0, x] for x in lines]}
    assert rpc.fault("account.move", "create", entry).faultString == "Cannot create unbalanced journal entry."
    entry["line_ids"][1][2]["credit"] = 100.0
    move = rpc("account.move", "create", entry)
    assert [r["tax_line_id"] for r in lines_of(rpc, move)] == [False, False]


def test_the_tax_is_price_excluded_on_each_line_and_rounded_per_line(fr):
    needs_16(fr)
    move = fr("account.move", "create", fr.entry(base(fr, debit=35.42), base(fr, debit=35.42),
                                                 counterpart(fr, credit=85.0)))  # fmt: skip
    tax = [r for r in lines_of(fr, move) if r["tax_line_id"]]
    assert [(r["debit"], r["credit"]) for r in tax] == [(14.16, 0.0)]  # 2 × round(7.084), grouped in one line


def test_tax_lines_sent_with_the_base_lines_are_kept_as_written(fr):
    needs_16(fr)
    share = tax_share(fr, FR_20)
    vat = {"account_id": fr.account("2300", FR), "name": "VAT from the receipt", "debit": 7.1, "credit": 0.0,
           "tax_repartition_line_id": share}  # fmt: skip
    move = fr("account.move", "create", fr.entry(base(fr, debit=35.4), vat, counterpart(fr, credit=42.5)))
    rows = lines_of(fr, move)
    assert [(r["name"], r["debit"], r["credit"]) for r in rows] == [
        ("base", 35.4, 0.0), ("VAT from the receipt", 7.1, 0.0), ("counterpart", 0.0, 42.5)]  # fmt: skip
    assert rows[1]["tax_line_id"][0] == FR_20  # the related tax of the repartition line


def test_changing_a_base_line_recomputes_its_tax_line(fr):
    needs_16(fr)
    move = fr("account.move", "create", fr.entry(base(fr, debit=100.0), counterpart(fr, credit=120.0)))
    base_id, credit_id = (r["id"] for r in lines_of(fr, move) if not r["tax_line_id"])
    fr("account.move", "write", [move], {"line_ids": [[1, base_id, {"debit": 50.0, "tax_ids": [[6, 0, [FR_10]]]}],
                                                      [1, credit_id, {"credit": 55.0}]]})  # fmt: skip
    tax = [r for r in lines_of(fr, move, "tax_repartition_line_id") if r["tax_line_id"]]
    assert [(r["tax_line_id"][0], r["debit"]) for r in tax] == [(FR_10, 5.0)]
    assert tax[0]["tax_repartition_line_id"][0] == tax_share(fr, FR_10)


def test_an_entry_unbalanced_by_its_tax_is_balanced_on_the_suspense_account(fr):
    """Odoo 16+ (`_sync_unbalanced_lines`): the VAT of a net-only entry is balanced against the suspense account."""
    needs_16(fr)
    move = fr("account.move", "create", fr.entry(base(fr, debit=100.0), counterpart(fr, credit=100.0)))
    rows = {r["name"]: r for r in lines_of(fr, move)}
    assert (rows["FR-20"]["debit"], rows["FR-20"]["account_id"][1]) == (20.0, "2300 VAT Deductible")
    balancing = rows["Automatic Balancing Line"]
    assert (balancing["credit"], balancing["account_id"][1]) == (20.0, "1090 Bank Suspense Account")


def test_without_a_balancing_account_an_unbalanced_taxed_entry_is_refused(fr):
    needs_16(fr)
    suspense = fr("res.company", "read", [FR], fields=["account_journal_suspense_account_id"])[0]
    fr("res.company", "write", [FR], {"account_journal_suspense_account_id": False})
    try:
        fault = fr.fault("account.move", "create", fr.entry(base(fr, debit=100.0), counterpart(fr, credit=100.0)))
        assert fault.faultCode == 2
        assert fault.faultString == "The operation cannot be completed: Missing required account on accountable line."
    finally:
        fr("res.company", "write", [FR], {"account_journal_suspense_account_id":
                                          suspense["account_journal_suspense_account_id"][0]})  # fmt: skip


def test_an_untaxed_unbalanced_entry_is_still_refused_with_the_versions_text(fr):
    lines = [counterpart(fr, debit=120.0, code="6100"), counterpart(fr, credit=100.0)]
    fault = fr.fault("account.move", "create", fr.entry(*lines))
    if fr.version < 12:
        assert fault.faultString == "Cannot create unbalanced journal entry."
    else:
        assert "is not balanced.\nThe total of debits equals 120.00\xa0€ and the total of credits equals " \
               "100.00\xa0€." in fault.faultString  # fmt: skip


def test_a_purchase_tax_on_a_credit_line_uses_the_refund_distribution(fr):
    needs_16(fr)
    move = fr("account.move", "create", fr.entry(base(fr, credit=100.0), counterpart(fr, debit=120.0)))
    tax = [r for r in lines_of(fr, move, "tax_repartition_line_id") if r["tax_line_id"]]
    assert [(r["debit"], r["credit"]) for r in tax] == [(0.0, 20.0)]
    assert tax[0]["tax_repartition_line_id"][0] == tax_share(fr, FR_20, refund=True)


def test_employees_contacts_owe_on_2110_in_their_company_and_other_partners_on_2100(rpc):
    link = "address_home_id" if rpc.version < 16 else "work_contact_id"
    contact = rpc("hr.employee", "read", [19], fields=[link])[0][link][0]  # Simon Taylor, company 2
    context = {"allowed_company_ids": [FR]} if rpc.version >= 13 else {"force_company": FR}
    rows = rpc("res.partner", "read", [contact, FR], fields=["property_account_payable_id"], context=context)
    assert [r["property_account_payable_id"][0] for r in rows] == [rpc.account("2110", FR), rpc.account("2100", FR)]


def test_a_partners_payable_is_written_for_the_current_company_only(rpc):
    partner = rpc("res.partner", "create", {"name": "Payable probe"})
    context = {"allowed_company_ids": [FR]} if rpc.version >= 13 else {"force_company": FR}
    rpc("res.partner", "write", [partner], {"property_account_payable_id": rpc.account("2110", FR)}, context=context)
    here = rpc("res.partner", "read", [partner], fields=["property_account_payable_id"], context=context)[0]
    elsewhere = rpc("res.partner", "read", [partner], fields=["property_account_payable_id"])[0]  # company 1
    assert here["property_account_payable_id"][0] == rpc.account("2110", FR)
    assert elsewhere["property_account_payable_id"][0] == rpc.account("2100", 1)
