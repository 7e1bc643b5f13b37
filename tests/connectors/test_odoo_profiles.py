"""Config (ports, secrets) and version profiles: pure functions, no server."""

import pytest

from apps.connectors.odoo import OdooConfig, OdooUnknownError
from apps.connectors.odoo.flows import ExpenseLine, MoveLine, expense_vals, journal_entry_vals
from apps.connectors.odoo.profiles import PROFILES, parse_major, profile_for


def config(url="https://acme.odoo.com", protocol="xmlrpc", **kw):
    return OdooConfig(url=url, database="acme", login="bot", secret="s3cr3t-key", protocol=protocol, **kw)


def test_repr_and_str_never_show_the_secret():
    cfg = config()
    assert "s3cr3t-key" not in repr(cfg) and "s3cr3t-key" not in str(cfg)
    assert "acme" in repr(cfg)


@pytest.mark.parametrize(
    ("url", "protocol", "port", "base"),
    [
        ("https://acme.odoo.com", "xmlrpcs", 443, "https://acme.odoo.com"),
        ("https://acme.odoo.com", "json2", 443, "https://acme.odoo.com"),  # TLS follows the URL scheme
        ("http://127.0.0.1", "jsonrpc", 80, "http://127.0.0.1"),
        ("http://127.0.0.1:8169", "xmlrpc", 8169, "http://127.0.0.1:8169"),
        ("https://erp.example.com:8443/", "jsonrpcs", 8443, "https://erp.example.com:8443"),
        ("127.0.0.1:8069", "xmlrpc", 8069, "http://127.0.0.1:8069"),
    ],
)
def test_port_is_the_urls_or_the_schemes_default_never_8069_for_https(url, protocol, port, base):
    endpoint = config(url, protocol).endpoint()
    assert endpoint.port == port and endpoint.base_url == base


def test_a_tls_protocol_with_an_http_url_is_refused():
    with pytest.raises(ValueError, match="needs an https"):
        config("http://127.0.0.1:8069", "xmlrpcs")


@pytest.mark.parametrize("bad", [{"protocol": "soap"}, {"timeout": 0}, {"url": "ftp://x"}])
def test_invalid_config_values_are_refused(bad):
    with pytest.raises(ValueError):
        config(**({"url": "https://a.b"} | bad))


@pytest.mark.parametrize(
    ("info", "major"),
    [
        ({"server_version": "11.0", "server_version_info": [11, 0, 0, "final", 0, ""]}, 11),
        ({"server_version": "saas~17.2", "server_version_info": ["saas~17", 2, 0, "final", 0, ""]}, 17),
        ({"server_version": "19.0+e"}, 19),
    ],
)
def test_major_version_is_read_from_common_version(info, major):
    assert parse_major(info) == major


def test_unsupported_versions_are_refused_and_newer_ones_use_19():
    with pytest.raises(OdooUnknownError, match="not supported"):
        profile_for(14)
    assert profile_for(20).major == 19


@pytest.mark.parametrize(
    ("major", "post", "price", "analytic", "report", "multi"),
    [
        (11, "post", "unit_amount", "analytic_account_id", "hr.expense.sheet", False),
        (16, "action_post", "unit_amount", "analytic_distribution", "hr.expense.sheet", True),
        (17, "action_post", "price_unit", "analytic_distribution", "hr.expense.sheet", True),
        (18, "action_post", "price_unit", "analytic_distribution", "hr.expense.sheet", True),
        (19, "action_post", "price_unit", "analytic_distribution", None, True),
    ],
)
def test_profiles_translate_the_vocabulary(major, post, price, analytic, report, multi):
    p = PROFILES[major]
    assert (p.post_method, p.expense_price_field, p.analytic_field) == (post, price, analytic)
    assert (p.expense_flow.report_model, p.multi_create) == (report, multi)


def test_lock_date_fields_per_version():
    assert PROFILES[11].lock_date_fields == ("fiscalyear_lock_date", "period_lock_date")
    assert "tax_lock_date" in PROFILES[16].lock_date_fields
    assert "period_lock_date" not in PROFILES[18].lock_date_fields and "hard_lock_date" in PROFILES[18].lock_date_fields


def test_analytic_split_is_one_account_on_11_and_a_distribution_from_16():
    assert PROFILES[11].analytic_value(7) == {"analytic_account_id": 7}
    assert PROFILES[17].analytic_value(None, {3: 60, 7: 40}) == {"analytic_distribution": {"3": 60.0, "7": 40.0}}
    assert PROFILES[16].analytic_value(None) == {}
    with pytest.raises(ValueError, match="one analytic account"):
        PROFILES[11].analytic_value(None, {3: 60, 7: 40})


def test_odoo11_account_types_are_normalized_to_the_16_codes():
    p = PROFILES[11]
    assert p.normalize_account_type({"user_type_id": [16, "Expenses"]}, {16: "data_account_type_expenses"}) == "expense"
    assert p.normalize_account_type({"user_type_id": [2, "Payable"], "internal_type": "payable"}) == "liability_payable"
    assert p.normalize_account_type({"user_type_id": [99, "Custom"], "internal_type": "liquidity"}) == "asset_cash"
    assert PROFILES[17].normalize_account_type({"account_type": "expense_direct_cost"}) == "expense_direct_cost"


def test_expense_and_move_values_use_each_versions_fields():
    line = ExpenseLine(product_id=5, name="Taxi", date="2025-01-02", unit_amount=12.5, analytic_account_id=3)
    v11 = expense_vals(PROFILES[11], employee_id=1, line=line)
    v17 = expense_vals(PROFILES[17], employee_id=1, line=line)
    assert v11["unit_amount"] == 12.5 and v11["analytic_account_id"] == 3
    assert v17["price_unit"] == 12.5 and v17["analytic_distribution"] == {"3": 100.0}
    lines = [MoveLine(1, "d", debit=10), MoveLine(2, "c", credit=10)]
    m11 = journal_entry_vals(PROFILES[11], journal_id=3, date="2025-01-02", ref="r", lines=lines)
    m18 = journal_entry_vals(PROFILES[18], journal_id=3, date="2025-01-02", ref="r", lines=lines)
    assert "move_type" not in m11 and m18["move_type"] == "entry"
