"""CSV/XLSX import (all rows or nothing, exact row errors) and export (formula injection neutralised)."""

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from apps.mappings.errors import ImportRejected
from apps.mappings.services import mapping_draft_open, mapping_rule_add
from apps.mappings.transfer import export_csv, export_xlsx, mapping_rules_import
from tests.mappings.conftest import approved, tax_rule

pytestmark = pytest.mark.django_db


def csv_bytes(*rows, header="match,source_value,target_model,target_id,conditions"):
    return (header + "\n" + "\n".join(rows) + "\n").encode()


@pytest.fixture
def draft(tax_set, controller):
    return mapping_draft_open(mapping_set=tax_set, actor=controller)


def test_a_file_with_bad_rows_imports_nothing_and_lists_each_problem(draft, controller):
    mapping_rule_add(version=draft, actor=controller, **tax_rule("KEEP", 41))
    content = csv_bytes(
        "exact,FR-20,account.tax,41,",
        "exact,FR-10,account.tax,abc,",
        "exact,FR-99,account.tax,999,",
        "exact, fr-20 ,account.tax,42,",
        "pattern,FR,account.tax,41,",
        "exact,FR-CARD,account.tax,41,colour=red",
        "exact,DE-19,account.tax,61,",
    )
    with pytest.raises(ImportRejected) as error:
        mapping_rules_import(version=draft, actor=controller, filename="rules.csv", content=content)
    assert [(line, column) for line, column, _ in error.value.errors] == [
        (3, "target_id"),
        (4, "target_id"),
        (5, "source_value"),
        (6, "source_value"),
        (7, "conditions"),
        (8, "target_id"),
    ]
    assert error.value.errors[0] == (3, "target_id", "'abc' is not an Odoo id (a positive whole number).")
    assert list(draft.rules.values_list("source_value", flat=True)) == ["KEEP"]


def test_cache_and_shape_problems_are_reported_per_line_and_column(draft, controller):
    content = csv_bytes(
        "exact,FR-20,account.tax,41,",
        "exact,FR-99,account.tax,999,",
        "exact, fr-20 ,account.tax,42,",
        "pattern,FR,account.tax,41,",
        "exact,FR-CARD,account.tax,41,colour=red",
        "exact,DE-19,account.tax,61,",
        "exact,FR-OLD,product.product,31,",
    )
    with pytest.raises(ImportRejected) as error:
        mapping_rules_import(version=draft, actor=controller, filename="rules.csv", content=content)
    assert [(line, column) for line, column, _ in error.value.errors] == [
        (3, "target_id"),
        (4, "source_value"),
        (5, "source_value"),
        (6, "conditions"),
        (7, "target_id"),
        (8, "target_model"),
    ]
    messages = {line: message for line, _, message in error.value.errors}
    assert "does not exist in FR's Odoo master data" in messages[3]
    assert messages[4] == "Same value and conditions as rule #1: keep one of them."
    assert "needs a wildcard" in messages[5]
    assert "another company (DE)" in messages[7]
    assert draft.rules.count() == 0


def test_unknown_and_missing_columns_are_reported_on_the_header_line(draft, controller):
    with pytest.raises(ImportRejected) as error:
        mapping_rules_import(
            version=draft, actor=controller, filename="r.csv", content=csv_bytes("FR-20,41", header="source,target")
        )
    assert error.value.errors[0][:2] == (1, "source")
    assert (1, "source_value", "This column is required.") in error.value.errors


def test_a_good_file_replaces_the_draft_rules_and_fills_target_names(draft, controller):
    mapping_rule_add(version=draft, actor=controller, **tax_rule("OLD", 41))
    content = csv_bytes("exact,FR-20,account.tax,41,", "exact,FR-20,,42,document_type=card_transaction")
    assert mapping_rules_import(version=draft, actor=controller, filename="r.csv", content=content) == 2
    rules = list(draft.rules.order_by("position").values_list("source_value", "target_id", "target_name", "conditions"))
    assert rules == [("FR-20", 41, "FR-20", {}), ("FR-20", 42, "FR-10", {"document_type": "card_transaction"})]


def test_append_mode_checks_duplicates_against_the_rules_already_there(draft, controller):
    mapping_rule_add(version=draft, actor=controller, **tax_rule("FR-20", 41))
    with pytest.raises(ImportRejected) as error:
        mapping_rules_import(
            version=draft,
            actor=controller,
            filename="r.csv",
            mode="append",
            content=csv_bytes("exact,FR-10,account.tax,42,", "exact,FR-20,account.tax,42,"),
        )
    assert [(line, column) for line, column, _ in error.value.errors] == [(3, "source_value")]
    mapping_rules_import(
        version=draft,
        actor=controller,
        filename="r.csv",
        mode="append",
        content=csv_bytes("exact,FR-10,account.tax,42,"),
    )
    assert draft.rules.count() == 2


def test_semicolon_separated_csv_from_a_european_spreadsheet_is_read(draft, controller):
    content = "source_value;target_id\nFR-20;41\n".encode("utf-8-sig")
    assert mapping_rules_import(version=draft, actor=controller, filename="r.csv", content=content) == 1


def test_an_xlsx_file_is_imported(draft, controller):
    book = Workbook()
    book.active.append(["source_value", "target_model", "target_id", "effective_from"])
    book.active.append(["FR-20", "account.tax", 41, "2026-01-01"])
    buffer = io.BytesIO()
    book.save(buffer)
    mapping_rules_import(version=draft, actor=controller, filename="rules.xlsx", content=buffer.getvalue())
    assert str(draft.rules.get().effective_from) == "2026-01-01"


def test_export_neutralises_formulas_and_reimports_unchanged(tax_set, controller, approver):
    version = approved(
        tax_set, controller, approver, tax_rule('=HYPERLINK("http://x")', 41), tax_rule("+FR", 42, note="@risk")
    )
    rows = list(csv.reader(io.StringIO(export_csv(version).decode("utf-8-sig"))))
    assert rows[1][1] == '\'=HYPERLINK("http://x")' and rows[2][1] == "'+FR" and rows[2][8] == "'@risk"
    sheet = load_workbook(io.BytesIO(export_xlsx(version))).active
    assert sheet["B2"].data_type == "s" and sheet["B2"].value.startswith("'=")
    draft = mapping_draft_open(mapping_set=tax_set, actor=controller)
    mapping_rules_import(version=draft, actor=controller, filename="v1.xlsx", content=export_xlsx(version))
    assert sorted(draft.rules.values_list("source_value", "target_id", "note")) == [
        ("+FR", 42, "@risk"),
        ('=HYPERLINK("http://x")', 41, ""),
    ]


def test_import_into_an_approved_version_is_refused(tax_set, controller, approver):
    from apps.mappings.errors import MappingError

    version = approved(tax_set, controller, approver, tax_rule("FR-20", 41))
    with pytest.raises(MappingError, match="only a draft"):
        mapping_rules_import(version=version, actor=controller, filename="r.csv", content=csv_bytes())
