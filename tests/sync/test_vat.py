"""VAT on journal entries (Odoo 17 and 19 sandboxes over sockets): the expense line nets, the VAT line carries the
receipt's tax on the tax's distribution, the employee's payable (2110) is credited the gross, and the entry
balances without any automatic balancing line."""

import pytest

from tests.sync import helpers

pytestmark = pytest.mark.django_db  # the sandbox is another process: no commit needed here

FIELDS = ["name", "account_id", "debit", "credit", "tax_ids", "tax_line_id", "tax_repartition_line_id", "partner_id"]


def posted_lines(setup, raw) -> list[dict]:
    document = helpers.receive(setup, raw)
    for _ in range(2):
        helpers.run(setup)
    document.refresh_from_db()
    assert document.state == "posted", document.state_reason
    (move,) = setup.moves(document.idempotency_key)
    assert move["state"] == "posted"
    return setup.odoo("account.move.line", "search_read", [["move_id", "=", move["id"]]], fields=FIELDS)


def by_code(rows) -> dict[str, list[tuple[float, float]]]:
    out = {}
    for row in rows:
        out.setdefault(row["account_id"][1][:4], []).append((row["debit"], row["credit"]))
    return out


def vat_share(setup, tax_id) -> int:
    ids = setup.odoo("account.tax", "read", [tax_id], fields=["invoice_repartition_line_ids"])[0]
    rows = setup.odoo("account.tax.repartition.line", "read", ids["invoice_repartition_line_ids"],
                      fields=["repartition_type"])  # fmt: skip
    return next(r["id"] for r in rows if r["repartition_type"] == "tax")


@pytest.mark.parametrize("version, protocol", [(17, "xmlrpc"), (19, "json2")])
def test_a_fr_20_report_posts_net_vat_and_the_gross_on_the_employees_payable(posting_setup, version, protocol):
    setup = posting_setup(version, protocol=protocol)
    rows = posted_lines(setup, helpers.report("R-VAT"))  # 42.50 TAXI, FR-20, paid by Sam Someone
    assert by_code(rows) == {"6100": [(35.42, 0.0)], "2300": [(7.08, 0.0)], "2110": [(0.0, 42.5)]}
    vat = next(r for r in rows if r["tax_line_id"])
    assert vat["tax_line_id"][0] == 2 and vat["tax_repartition_line_id"][0] == vat_share(setup, 2)  # FR-20
    assert next(r for r in rows if r["account_id"][1].startswith("6100"))["tax_ids"] == [2]
    payable = next(r for r in rows if r["credit"])
    assert payable["account_id"][1] == "2110 Employee Payables" and payable["partner_id"][1] == "Sam Someone"
    assert not [r for r in rows if r["name"] == "Automatic Balancing Line"]


def test_the_vat_is_the_receipts_to_the_cent_where_odoos_own_computation_would_miss_it(posting_setup):
    """10.05 gross at 20 %: VAT 1.68 and net 8.37; Odoo computing on the net would find 1.67 (and balance the cent
    on its suspense account). The platform's tax amount, when given, wins over the rate; a reported 0 means
    "not computed" and the rate gives the VAT."""
    setup = posting_setup(17)
    lines = [helpers.line("R-CENT-1", amount="10.05"), helpers.line("R-CENT-2", amount="42.50", tax_amount="7.10"),
             helpers.line("R-CENT-3", amount="12.00", tax_amount="0.00")]  # fmt: skip
    rows = posted_lines(setup, helpers.report("R-CENT", lines=lines))
    codes = by_code(rows)
    assert sorted(codes["6100"]) == [(8.37, 0.0), (10.0, 0.0), (35.4, 0.0)]
    assert sorted(codes["2300"]) == [(1.68, 0.0), (2.0, 0.0), (7.1, 0.0)]
    assert codes["2110"] == [(0.0, 64.55)]
    assert "1090" not in codes  # no automatic balancing line on the suspense account


def test_the_entry_balances_in_odoo_for_every_line_of_a_mixed_rate_report(posting_setup):
    setup = posting_setup(19, protocol="json2")
    lines = [helpers.line("R-MIX-1", amount="60.00"), helpers.line("R-MIX-2", amount="40.00", tax_code="FR-10")]
    rows = posted_lines(setup, helpers.report("R-MIX", lines=lines))
    assert round(sum(r["debit"] for r in rows), 2) == round(sum(r["credit"] for r in rows), 2) == 100.0
    taxes = sorted((r["tax_line_id"][0], r["debit"]) for r in rows if r["tax_line_id"])
    assert taxes == [(2, 10.0), (3, 3.64)]  # FR-20 on 50.00, FR-10 on 36.36
