"""Generic ORM behaviour: search/read paging, domains, create/write/unlink, fields_get, per-version quirks."""

import pytest

from tests.sandbox.helpers import exception_line


def test_search_read_pages_with_limit_offset_and_order(rpc):
    domain = [["company_id", "=", 1]]
    everyone = rpc("hr.employee", "search_read", domain, fields=["name"], order="name asc")
    assert len(everyone) >= 18
    pages = [
        rpc("hr.employee", "search_read", domain, fields=["name"], order="name asc", limit=5, offset=o)
        for o in range(0, len(everyone), 5)
    ]
    assert [r["name"] for page in pages for r in page] == [r["name"] for r in everyone]
    assert set(pages[0][0]) == {"id", "name"}
    assert rpc("hr.employee", "search_count", domain) == len(everyone)
    newest_first = rpc("hr.employee", "search", domain, order="id desc", limit=3)
    assert newest_first == sorted(newest_first, reverse=True)


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ([["default_code", "=", "TAXI"]], {"TAXI"}),
        (
            [["default_code", "!=", "TAXI"], ["can_be_expensed", "=", True]],
            {"MEALS", "HOTEL", "TRAVEL", "MILEAGE", "PERDIEM", "OFFICE"},
        ),
        ([["default_code", "in", ["TAXI", "HOTEL"]]], {"TAXI", "HOTEL"}),
        (
            [["default_code", "not in", ["TAXI", "HOTEL"]], ["can_be_expensed", "=", True]],
            {"MEALS", "TRAVEL", "MILEAGE", "PERDIEM", "OFFICE"},
        ),
        ([["name", "like", "Office"]], {"OFFICE"}),
        ([["name", "ilike", "office"]], {"OFFICE"}),
        ([["default_code", "=like", "T%"]], {"TAXI", "TRAVEL"}),
        ([["standard_price", ">", 0.5]], {"PERDIEM"}),
        ([["standard_price", ">=", 0.5]], {"PERDIEM", "MILEAGE"}),
        ([["standard_price", "<", 1], ["standard_price", "<=", 0.5], ["standard_price", ">", 0]], {"MILEAGE"}),
        (["|", ["default_code", "=", "TAXI"], ["default_code", "=", "MEALS"]], {"TAXI", "MEALS"}),
        (["&", ["can_be_expensed", "=", True], "!", ["default_code", "ilike", "a"]], {"HOTEL", "OFFICE", "PERDIEM"}),
        ([["categ_id", "child_of", 1], ["can_be_expensed", "=", False]], {"CONSULT"}),
    ],
)
def test_domain_operators(rpc, domain, expected):
    rows = rpc("product.product", "search_read", domain, fields=["default_code"])
    assert {r["default_code"] for r in rows} == expected


def test_child_of_and_dotted_paths(rpc):
    eur = rpc("res.company", "search", [["currency_id.name", "=", "EUR"]])
    assert eur == [2, 3]
    team = rpc("hr.department", "search", [["id", "child_of", [1]]])
    assert team == [1]
    sales = rpc("hr.employee", "search_count", [["department_id.name", "=", "Sales"]])
    assert sales > 0


def test_create_single_everywhere_and_a_list_from_12(rpc):
    one = rpc("res.partner", "create", {"name": "Single"})
    assert isinstance(one, int)
    if rpc.version < 12:
        fault = rpc.fault("res.partner", "create", [{"name": "A"}, {"name": "B"}])
        assert fault.faultCode == 1
        assert exception_line(fault) == "AttributeError: 'list' object has no attribute 'get'"
    else:
        many = rpc("res.partner", "create", [{"name": "A"}, {"name": "B"}])
        assert len(many) == 2 and one not in many


def test_unknown_fields_are_ignored_in_11_and_refused_from_12(rpc):
    if rpc.version < 12:
        pid = rpc("res.partner", "create", {"name": "x", "no_such_field": 1})
        assert rpc("res.partner", "write", [pid], {"no_such_field": 2}) is True
        assert rpc("res.partner", "read", [pid], fields=["no_such_field"]) == [{"id": pid}]
        return
    fault = rpc.fault("res.partner", "create", {"name": "x", "no_such_field": 1})
    assert (
        fault.faultCode == 1
        and exception_line(fault) == "ValueError: Invalid field 'no_such_field' on model 'res.partner'"
    )


def test_reading_a_missing_record_is_silent_in_11_and_a_missing_error_later(rpc):
    if rpc.version < 12:
        assert rpc("res.partner", "read", [999999], fields=["name"]) == []
        fault = rpc.fault("res.partner", "write", [999999], {"name": "x"})
        assert fault.faultCode == 2 and "has already been deleted" in fault.faultString
        return
    fault = rpc.fault("res.partner", "read", [999999], fields=["name"])
    assert fault.faultCode == 2 and fault.faultString.startswith("Record does not exist or has been deleted.")


def test_bad_many2one_value_is_a_type_fault(rpc):
    fault = rpc.fault("account.analytic.account", "write", [1], {"partner_id": "abc"})
    assert fault.faultCode == 1
    assert (
        exception_line(fault)
        == 'psycopg2.errors.InvalidTextRepresentation: invalid input syntax for type integer: "abc"'
    )


def test_missing_required_field_faults_per_version(rpc):
    fault = rpc.fault("account.analytic.account", "create", {"code": "NO-NAME"})
    if rpc.version < 12:  # as the real Odoo 11: a ValidationError, which 11 answers as faultCode 1
        assert fault.faultCode == 1 and exception_line(fault).startswith(
            "odoo.exceptions.ValidationError: ('The operation cannot be completed, probably due to the following:"
        )
        assert "[object with reference: Analytic Account - account.analytic.account]" in fault.faultString
    else:
        assert fault.faultCode == 2 and "a mandatory field is not set" in fault.faultString


def test_unlink_removes_and_write_changes(rpc):
    pid = rpc("res.partner", "create", {"name": "Temp"})
    assert rpc("res.partner", "write", [pid], {"name": "Renamed", "email": "r@example.com"}) is True
    assert rpc("res.partner", "read", [pid], fields=["name", "email"])[0] == {
        "id": pid,
        "name": "Renamed",
        "email": "r@example.com",
    }
    assert rpc("res.partner", "unlink", [pid]) is True
    assert rpc("res.partner", "search", [["id", "=", pid]]) == []


def test_fields_get_follows_the_version(rpc):
    fields = rpc("hr.expense", "fields_get", [], attributes=["type", "string"])
    price = "unit_amount" if rpc.version < 17 else "price_unit"
    analytic = "analytic_account_id" if rpc.version < 16 else "analytic_distribution"
    assert fields[price]["type"] == "float" and analytic in fields
    assert set(fields[price]) == {"type", "string"}
    company = rpc("res.company", "fields_get", [])
    assert ("period_lock_date" in company) == (rpc.version < 18)
    assert ("hard_lock_date" in company) == (rpc.version >= 18)
    account = rpc("account.account", "fields_get", [])
    assert ("account_type" in account) == (rpc.version >= 16) and ("user_type_id" in account) == (rpc.version < 16)
    assert ("company_ids" in account) == (rpc.version >= 18)
    if rpc.version == 19:
        assert rpc.fault("hr.expense.sheet", "search", []).faultString == "Object hr.expense.sheet doesn't exist"
    else:
        assert rpc("hr.expense.sheet", "search_count", []) >= 0


def test_name_search_context_get_and_check_access_rights(rpc):
    found = rpc("product.product", "name_search", "Hotel", limit=5)
    assert found == [[3, "[HOTEL] Hotel"]]
    assert rpc("res.users", "context_get")["lang"] == "en_US"
    assert rpc("account.move", "check_access_rights", "write", raise_exception=False) is True


def test_external_ids_can_be_created_and_looked_up(rpc):
    pid = rpc("res.partner", "create", {"name": "Keyed"})
    rpc(
        "ir.model.data",
        "create",
        {"module": "integration_console", "name": f"key_{pid}", "model": "res.partner", "res_id": pid},
    )
    rows = rpc(
        "ir.model.data",
        "search_read",
        [["module", "=", "integration_console"], ["name", "=", f"key_{pid}"]],
        fields=["model", "res_id"],
    )
    assert rows[0]["model"] == "res.partner" and rows[0]["res_id"] == pid
    assert rpc("ir.model.data", "check_object_reference", "integration_console", f"key_{pid}") == ["res.partner", pid]
    fault = rpc.fault(
        "ir.model.data",
        "create",
        {"module": "integration_console", "name": f"key_{pid}", "model": "res.partner", "res_id": pid},
    )
    expected = "'UniqueViolation' object is not subscriptable" if rpc.version < 12 else "duplicate key value violates"
    assert fault.faultCode == 1 and expected in fault.faultString


def test_unknown_model_private_and_unknown_method(rpc):
    fault = rpc.fault("no.such.model", "search", [])
    assert (fault.faultCode, fault.faultString) == (2, "Object no.such.model doesn't exist")
    fault = rpc.fault("account.move", "_check_lock_date", [1])
    assert fault.faultCode == 4
    if rpc.version < 12:
        assert fault.faultString == "('Private methods (such as _check_lock_date) cannot be called remotely.', None)"
    else:
        assert "cannot be called remotely." in fault.faultString
    fault = rpc.fault("res.partner", "no_such_method", [1])
    assert fault.faultCode == 1 and exception_line(fault).startswith("AttributeError:")
    fault = rpc.fault("res.partner", "search", [["no_such_field", "=", 1]])
    assert fault.faultCode == 1 and "Invalid field" in exception_line(fault)


def test_a_duplicate_external_id_in_one_call_creates_none_of_them(rpc):
    pid = rpc("res.partner", "create", {"name": "Keyed twice"})
    key = {"module": "integration_console", "name": f"twice_{pid}", "model": "res.partner", "res_id": pid}
    before = rpc("ir.model.data", "search_count", [["module", "=", "integration_console"]])
    if rpc.version < 12:  # no list create: the second of two single creates is refused
        rpc("ir.model.data", "create", key)
        assert rpc.fault("ir.model.data", "create", key).faultCode == 1
        assert rpc("ir.model.data", "search_count", [["module", "=", "integration_console"]]) == before + 1
        return
    fault = rpc.fault("ir.model.data", "create", [key, {**key, "res_id": pid + 1}])
    assert fault.faultCode == 1 and "duplicate key value violates" in fault.faultString
    assert rpc("ir.model.data", "search_count", [["module", "=", "integration_console"]]) == before
    assert rpc("ir.model.data", "search", [["name", "=", f"twice_{pid}"]]) == []


def test_exact_match_searches_agree_with_a_full_scan_after_a_write(rpc):
    ids = [rpc("res.partner", "create", {"name": f"Scan {n}", "ref": f"SCAN-{n % 2}"}) for n in range(4)]
    rpc("res.partner", "write", [ids[0]], {"ref": "SCAN-1"})
    everyone = rpc("res.partner", "search_read", [["id", "in", ids]], fields=["ref"])
    for refs in (["SCAN-0"], ["SCAN-1"], ["SCAN-0", "SCAN-1"], ["SCAN-9"]):
        scanned = [r["id"] for r in everyone if r["ref"] in refs]
        assert rpc("res.partner", "search", [["ref", "in", refs], ["id", "in", ids]]) == scanned
        if len(refs) == 1:
            assert rpc("res.partner", "search", [["ref", "=", refs[0]], ["id", "in", ids]]) == scanned


def test_load_converts_text_columns_and_refuses_what_it_does_not_emulate(rpc):
    answer = rpc("res.partner", "load", ["name", "ref", "active", "parent_id/.id"], [["Loaded", "L-1", "0", "1"]])
    assert answer["messages"] == [] and len(answer["ids"]) == 1
    row = rpc("res.partner", "search_read", [["id", "in", answer["ids"]], ["active", "=", False]],
              fields=["name", "ref", "parent_id"])[0]  # fmt: skip
    assert (row["name"], row["ref"], row["parent_id"][0]) == ("Loaded", "L-1", 1)
    bad = rpc("res.partner", "load", ["name", "parent_id/.id"], [["Fine", "1"], ["Bad", "x"]])
    assert bad["ids"] is False and bad["messages"][0]["rows"] == {"from": 1, "to": 1}
    assert rpc("res.partner", "search_count", [["name", "=", "Fine"]]) == 0
    fault = rpc.fault("res.partner", "load", ["parent_id/name"], [["x"]])  # a target by its name
    assert "does not import the column 'parent_id/name'" in fault.faultString
