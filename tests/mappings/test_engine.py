"""The mapping engine, pure: no database, no network."""

from datetime import date
from decimal import Decimal

import pytest

from apps.documents.canonical import Allocation, DocumentType, PaymentMode
from apps.mappings.engine import compile_pattern, resolve
from tests.mappings.builders import context, document, line, rule, standard_versions, version

D = Decimal


def failures_of(resolution):
    return [(f.category, f.dimension, f.source_value) for f in resolution.failures]


def test_a_fully_mapped_line_gets_every_odoo_value():
    doc = document(
        line(
            tax_code="FR-20",
            tax_amount=D("2.00"),
            project="PRJ-ALPHA",
            cost_centre="CC-SALES",
            payment=PaymentMode.COMPANY,
        )
    )
    result = resolve(doc, context())
    assert result.ok, result.failures
    (resolved,) = result.lines
    assert resolved.employee_id == 7
    assert resolved.product_id == 31 and resolved.account_id == 601
    assert resolved.tax_ids == (41,)
    assert resolved.analytic_distribution == {71: D(100), 81: D(100)}
    assert resolved.odoo_analytic_distribution() == {"71": 100.0, "81": 100.0}
    assert resolved.journal_id == 91 and resolved.currency_id == 1


def test_exact_matching_ignores_case_and_surrounding_blanks():
    result = resolve(document(line(category="  Meals ")), context())
    assert result.ok and result.lines[0].product_id == 32 and result.lines[0].account_id == 602


def test_an_unknown_category_is_a_mapping_missing_failure_with_dimension_and_value():
    result = resolve(document(line(category="PARKING")), context())
    assert failures_of(result) == [("mapping_missing", "category", "PARKING")]
    assert result.failures[0].line_id == "L1" and result.failures[0].mapping_set_id is not None


def test_a_pattern_rule_catches_values_without_an_exact_rule():
    result = resolve(document(line(category="misc office supplies")), context())
    assert result.ok and result.lines[0].account_id == 650 and result.lines[0].product_id is None


def test_an_exact_rule_beats_a_pattern():
    versions = standard_versions()
    versions[2] = version(
        "category",
        [rule(1, "T*", "product.product", 32, match="pattern"), rule(2, "TAXI", "product.product", 31, position=5)],
    )
    assert resolve(document(line(category="taxi")), context(versions)).lines[0].product_id == 31
    assert resolve(document(line(category="tram")), context(versions)).lines[0].product_id == 32


def test_patterns_are_tried_in_position_order():
    versions = standard_versions()
    versions[2] = version(
        "category",
        [
            rule(1, "*x*", "product.product", 32, match="pattern", position=2),
            rule(2, "ta*", "product.product", 31, match="pattern", position=1),
        ],
    )
    assert resolve(document(line(category="TAXI")), context(versions)).lines[0].product_id == 31


def test_a_conditional_rule_applies_only_when_its_condition_holds():
    versions = standard_versions()
    versions[2] = version(
        "category",
        [
            rule(1, "TAXI", "product.product", 31),
            rule(2, "TAXI", "product.product", 33, conditions={"document_type": "card_transaction"}),
        ],
    )
    ctx = context(versions)
    assert resolve(document(line()), ctx).lines[0].product_id == 31
    card = document(line(), kind=DocumentType.CARD_TRANSACTION)
    assert resolve(card, ctx).lines[0].product_id == 33


def test_employee_matches_by_work_email_when_the_version_allows_it():
    assert resolve(document(email="JANE.DOE@example.com"), context()).lines[0].employee_id == 7


def test_an_explicit_employee_rule_overrides_the_email_match():
    versions = standard_versions()
    versions[0] = version("employee", [rule(1, "E-42", "hr.employee", 8 - 1)], auto_match=True)
    doc = document(email="someone.else@example.com", external_id="E-42")
    assert resolve(doc, context(versions)).lines[0].employee_id == 7


def test_an_unknown_work_email_is_master_data_missing():
    result = resolve(document(email="nobody@example.com"), context())
    assert failures_of(result) == [("master_data_missing", "employee", "nobody@example.com")]
    assert result.failures[0].line_id == ""


def test_an_archived_employee_does_not_match_by_email():
    result = resolve(document(email="old@example.com"), context())
    assert failures_of(result) == [("master_data_missing", "employee", "old@example.com")]


def test_a_rule_pointing_at_an_archived_record_is_master_data_missing():
    result = resolve(document(line(cost_centre="CC-OLD")), context())
    assert failures_of(result) == [("master_data_missing", "cost_centre", "CC-OLD")]
    assert "archived" in result.failures[0].message


def test_a_sales_tax_on_an_expense_is_invalid_tax():
    result = resolve(document(line(tax_code="SALES-20")), context())
    assert failures_of(result) == [("invalid_tax", "tax_code", "SALES-20")]
    assert result.lines[0].tax_ids == ()


def test_a_tax_amount_that_does_not_fit_the_rate_is_invalid_tax():
    result = resolve(document(line(amount="110.00", tax_code="FR-20", tax_amount=D("10.00"))), context())
    assert failures_of(result) == [("invalid_tax", "tax_code", "FR-20")]
    assert "18.33" in result.failures[0].message


def test_a_tax_amount_within_a_cent_of_the_rate_is_accepted():
    result = resolve(document(line(amount="110.00", tax_code="FR-10", tax_amount=D("10.01"))), context())
    assert result.ok and result.lines[0].tax_ids == (42,)


def test_allocations_split_the_analytic_distribution():
    split = (Allocation(D(60), project="PRJ-ALPHA", cost_centre="CC-SALES"), Allocation(D(40), cost_centre="CC-ENG"))
    result = resolve(document(line(allocations=split)), context())
    assert result.ok
    assert result.lines[0].analytic_distribution == {71: D(60), 81: D(60), 82: D(40)}


def test_allocations_to_the_same_account_add_up():
    split = (Allocation(D(30), cost_centre="CC-ENG"), Allocation(D(70), cost_centre="cc-eng"))
    assert resolve(document(line(allocations=split)), context()).lines[0].analytic_distribution == {82: D(100)}


def test_a_project_without_analytic_account_is_master_data_missing():
    result = resolve(document(line(project="PRJ-NOACC")), context())
    assert failures_of(result) == [("master_data_missing", "project", "PRJ-NOACC")]


def test_a_dimension_without_any_approved_set_is_mapping_missing():
    result = resolve(document(line(department="Finance")), context())
    assert failures_of(result) == [("mapping_missing", "department", "Finance")]
    assert "No approved department mapping" in result.failures[0].message


def test_optional_dimensions_never_fail():
    result = resolve(document(line(merchant="Uber", payment=PaymentMode.EMPLOYEE)), context())
    assert result.ok and result.lines[0].partner_id is None and result.lines[0].journal_id is None


def test_the_version_in_force_on_the_line_date_is_used():
    versions = standard_versions()
    versions[2] = version("category", [rule(1, "TAXI", "product.product", 31)], activated=1)
    versions.append(version("category", [rule(2, "TAXI", "product.product", 33)], start=date(2026, 3, 1), activated=2))
    ctx = context(versions)
    assert resolve(document(line(day=date(2026, 2, 28))), ctx).lines[0].product_id == 31
    assert resolve(document(line(day=date(2026, 3, 1))), ctx).lines[0].product_id == 33


def test_a_later_activation_without_start_date_applies_to_every_date():
    versions = standard_versions()
    versions[2] = version("category", [rule(1, "TAXI", "product.product", 31)], start=date(2026, 3, 1), activated=1)
    versions.append(version("category", [rule(2, "TAXI", "product.product", 33)], activated=2))
    assert resolve(document(line(day=date(2025, 1, 1))), context(versions)).lines[0].product_id == 33


def test_rule_effective_dates_limit_a_rule():
    versions = standard_versions()
    versions[2] = version(
        "category",
        [
            rule(1, "TAXI", "product.product", 31, effective_to=date(2026, 3, 1)),
            rule(2, "TAXI", "product.product", 33, effective_from=date(2026, 3, 1)),
        ],
    )
    ctx = context(versions)
    assert resolve(document(line(day=date(2026, 2, 1))), ctx).lines[0].product_id == 31
    assert resolve(document(line(day=date(2026, 4, 1))), ctx).lines[0].product_id == 33


def test_each_failure_is_reported_once_per_line():
    doc = document(line("L1", category="PARKING"), line("L2", category="PARKING"))
    result = resolve(doc, context())
    assert [(f.line_id, f.source_value) for f in result.failures] == [("L1", "PARKING"), ("L2", "PARKING")]
    assert result.failures[0].subject_key == result.failures[1].subject_key


def test_resolution_names_the_versions_used():
    result = resolve(document(line()), context())
    assert set(result.versions) >= {"employee", "category", "currency"}


@pytest.mark.parametrize("pattern", ["", "TAXI", "*", "**?", "[a-"])
def test_bad_patterns_are_refused(pattern):
    with pytest.raises(ValueError):
        compile_pattern(pattern)


def test_a_zero_tax_amount_means_not_reported_and_is_not_checked():
    result = resolve(document(line(amount="110.00", tax_code="FR-20", tax_amount=D("0"))), context())
    assert result.ok and result.lines[0].tax_ids == (41,)


def test_the_invalid_tax_message_shows_the_rate_as_people_write_it():
    result = resolve(document(line(amount="110.00", tax_code="FR-20", tax_amount=D("10.00"))), context())
    assert "(20%)" in result.failures[0].message


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("uber*", "uber eats", True),
        ("*eats", "uber eats", True),
        ("*ber*ts", "uber eats", True),
        ("u*r*r", "uber", False),
        ("ab*ba", "aba", False),
        ("taxi ?", "taxi 1", True),
        ("taxi [ab]", "taxi c", False),
        ("a*b*c", "a-c-b", False),
    ],
)
def test_glob_matching_agrees_with_fnmatch(pattern, value, expected):
    import fnmatch

    from apps.mappings.engine.context import glob_match

    assert glob_match(pattern, value) is expected is fnmatch.fnmatchcase(value, pattern)
