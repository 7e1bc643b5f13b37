"""`create` values → the text table of Odoo's import (the layout the real Odoo 11 accepts: tests/contract)."""

import pytest

from apps.connectors.odoo.importing import table


def test_a_record_takes_a_row_per_line_with_its_own_columns_on_the_first():
    move = {"ref": "R-1", "journal_id": 3, "line_ids": [
        [0, 0, {"account_id": 1, "debit": 1.5, "tax_ids": [[6, 0, [2, 3]]]}],
        [0, 0, {"account_id": 2, "credit": 1.5, "partner_id": 9}]]}  # fmt: skip
    columns, rows = table([move, {"ref": "R-2", "journal_id": 3, "line_ids": []}], ["m.r_1", "m.r_2"])
    assert columns == ["id", "ref", "journal_id/.id", "line_ids/account_id/.id", "line_ids/debit",
                       "line_ids/tax_ids/.id", "line_ids/credit", "line_ids/partner_id/.id"]  # fmt: skip
    assert rows == [
        ["m.r_1", "R-1", "3", "1", "1.5", "2,3", "", ""],
        ["", "", "", "2", "", "", "1.5", "9"],
        ["m.r_2", "R-2", "3", "", "", "", "", ""],
    ]


@pytest.mark.parametrize(
    "vals",
    [
        {"line_ids": [[1, 5, {"debit": 1.0}]]},  # an update of an existing line
        {"tag_ids": [[3, 7, 0]]},  # unlinking a many2many target
        {"id": 4, "ref": "x"},  # a database id
        {"line_ids": [[0, 0, {"sub_ids": [[0, 0, {"name": "nested"}]]}]]},
    ],
)
def test_what_an_import_cannot_say_is_a_value_error(vals):
    with pytest.raises(ValueError):
        table([vals])
