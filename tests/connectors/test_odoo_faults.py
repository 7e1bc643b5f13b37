"""Fault classification from recorded fault values (the socket-level cases are in test_odoo_wire_faults.py)."""

import errno
import http.client
import xmlrpc.client

import httpx
import pytest
from odoolib.tools import AuthenticationError, JsonRPCException

from apps.connectors.odoo.faults import (
    HttpStatusError,
    OdooAuthError,
    OdooUnknownError,
    OdooValidationError,
    TransientOdooError,
    classify,
    from_import_message,
    is_none_return,
    retry_after_seconds,
)

TRACEBACK = 'Traceback (most recent call last):\n  File "/odoo/service/wsgi_server.py", line 124\n    ...\n'


def fault(code, text):
    return xmlrpc.client.Fault(code, text)


# --------------------------------------------------------------------------------------------- XML-RPC faults
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("You cannot add/modify entries prior to and inclusive of the lock date 2000-12-31", "closed_period"),
        ("You cannot add/modify entries prior to and inclusive of: Global Lock Date (12/31/2025).", "closed_period"),
        ("Cannot create unbalanced journal entry.", "unbalanced"),
        ("An error has occurred.\n\nThe move (MISC/1) is not balanced.\nThe total of debits equals 1", "unbalanced"),
        ("Record does not exist or has been deleted.\n(Record: account.move(99,), User: 2)", "missing_record"),
        ("Object no.such.model doesn't exist", "unknown_model"),
        (
            "You cannot do this modification on a posted journal entry, you can just change some non legal fields.",
            "posted_entry",
        ),
        ("Invalid tax: the tax 'VAT 20%' belongs to another company", "invalid_tax"),
        ("Something else a user did wrong", None),
    ],
)
def test_fault_code_2_is_a_validation_error_with_a_kind_hint(text, kind):
    error = classify(fault(2, text), model="account.move", method="action_post")
    assert isinstance(error, OdooValidationError)
    assert (error.kind, error.message, error.code) == (kind, text, 2)
    assert (error.model, error.method) == ("account.move", "action_post")


def test_fault_code_3_is_access_denied():
    error = classify(fault(3, "Access Denied"))
    assert isinstance(error, OdooAuthError) and error.kind == "AccessDenied"


def test_fault_code_4_private_method_keeps_the_bare_message():
    error = classify(fault(4, "('Private methods (such as _check_lock_date) cannot be called remotely.', None)"))
    assert isinstance(error, OdooAuthError) and error.kind == "private_method"
    assert error.message == "Private methods (such as _check_lock_date) cannot be called remotely."


def test_fault_code_4_access_error():
    error = classify(fault(4, "Sorry, you are not allowed to modify this document."))
    assert isinstance(error, OdooAuthError) and error.kind == "AccessError"


def test_fault_code_1_traceback_keeps_the_last_exception_line():
    text = TRACEBACK + "ValueError: Invalid field 'no_such_field' in leaf \"<osv.ExtendedLeaf>\""
    error = classify(fault(1, text))
    assert isinstance(error, OdooUnknownError)
    assert error.message == "ValueError: Invalid field 'no_such_field' in leaf \"<osv.ExtendedLeaf>\""


def test_fault_code_1_with_an_odoo_validation_error_inside_is_a_validation_error():
    text = TRACEBACK + "odoo.exceptions.ValidationError: ('There are still unposted entries in the period.', None)"
    error = classify(fault(1, text))
    assert isinstance(error, OdooValidationError) and error.message == "There are still unposted entries in the period."


@pytest.mark.parametrize(
    "line",
    [
        "psycopg2.extensions.TransactionRollbackError: could not serialize access due to concurrent update",
        "psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update",
        'psycopg2.errors.LockNotAvailable: could not obtain lock on row in relation "account_move"',
    ],
)
def test_serialization_and_lock_faults_are_transient(line):
    error = classify(fault(1, TRACEBACK + line))
    assert isinstance(error, TransientOdooError) and error.kind == "serialization"


def test_none_return_fault_is_recognised_and_other_faults_are_not():
    none_fault = fault(1, TRACEBACK + "TypeError: cannot marshal None unless allow_none is enabled")
    assert is_none_return(none_fault)
    assert not is_none_return(fault(2, "cannot marshal None"))  # only the marshalling TypeError
    assert not is_none_return(fault(1, TRACEBACK + "TypeError: unsupported operand"))
    assert not is_none_return(ValueError("cannot marshal None"))


@pytest.mark.parametrize(
    ("code", "cls", "kind"),
    [
        ("warning -- UserError\n\nCannot create unbalanced journal entry.", OdooValidationError, "unbalanced"),
        (
            "warning -- MissingError\n\nRecord does not exist or has been deleted.",
            OdooValidationError,
            "missing_record",
        ),
        ("warning -- AccessError\n\nSorry, you are not allowed", OdooAuthError, "AccessError"),
        ("AccessDenied", OdooAuthError, "AccessDenied"),
    ],
)
def test_legacy_xmlrpc_string_fault_codes(code, cls, kind):
    error = classify(fault(code, "ignored"))
    assert isinstance(error, cls) and error.kind == kind


# --------------------------------------------------------------------------------------------- JSON-RPC
def jsonrpc_error(name, message, code=200):
    return JsonRPCException({"code": code, "message": "Odoo Server Error", "data": {"name": name, "message": message}})


@pytest.mark.parametrize(
    ("name", "message", "cls", "kind"),
    [
        ("odoo.exceptions.UserError", "Object no.such.model doesn't exist\n", OdooValidationError, "unknown_model"),
        (
            "odoo.exceptions.ValidationError",
            "Cannot create unbalanced journal entry.",
            OdooValidationError,
            "unbalanced",
        ),
        ("odoo.exceptions.MissingError", "Gone", OdooValidationError, "missing_record"),
        ("odoo.exceptions.RedirectWarning", "Set a work email", OdooValidationError, "configuration"),
        (
            "odoo.exceptions.AccessError",
            "Private methods (such as _x) cannot be called remotely.\nNone",
            OdooAuthError,
            "private_method",
        ),
        ("odoo.exceptions.AccessDenied", "Access Denied", OdooAuthError, "AccessDenied"),
        ("psycopg2.errors.SerializationFailure", "could not serialize access", TransientOdooError, "serialization"),
        ("builtins.ValueError", "Invalid field 'x'", OdooUnknownError, None),
    ],
)
def test_jsonrpc_error_dicts_are_classified_by_exception_name(name, message, cls, kind):
    error = classify(jsonrpc_error(name, message))
    assert isinstance(error, cls) and error.kind == kind and error.code == 200
    assert "\nNone" not in error.message


def test_jsonrpc_session_expired_is_an_auth_error():
    error = classify(JsonRPCException({"code": 100, "message": "Odoo Session Expired", "data": {}}))
    assert isinstance(error, OdooAuthError) and error.kind == "session_expired"


# --------------------------------------------------------------------------------------------- HTTP statuses
@pytest.mark.parametrize(
    ("status", "body", "cls", "kind"),
    [
        (
            401,
            {"name": "werkzeug.exceptions.Unauthorized", "message": "Invalid apikey"},
            OdooAuthError,
            "invalid_api_key",
        ),
        (403, {"name": "odoo.exceptions.AccessError", "message": "not allowed"}, OdooAuthError, "AccessError"),
        (
            404,
            {"name": "odoo.exceptions.MissingError", "message": "Record does not exist"},
            OdooValidationError,
            "missing_record",
        ),
        (404, {"name": "werkzeug.exceptions.NotFound", "message": "no.such.model"}, OdooUnknownError, None),
        (
            422,
            {"name": "odoo.exceptions.UserError", "message": "Cannot create unbalanced journal entry."},
            OdooValidationError,
            "unbalanced",
        ),
        (
            422,
            {"name": "odoo.exceptions.ValidationError", "message": "The move (1) is not balanced."},
            OdooValidationError,
            "unbalanced",
        ),
        (400, "Bad Request", OdooUnknownError, None),
        (500, {"name": "builtins.KeyError", "message": "'x'"}, OdooUnknownError, None),
    ],
)
def test_json2_statuses_are_classified_with_odoos_message(status, body, cls, kind):
    error = classify(HttpStatusError(status, {}, body))
    assert isinstance(error, cls) and error.kind == kind and error.code == status


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_throttling_and_gateway_statuses_are_transient_with_retry_after(status):
    error = classify(HttpStatusError(status, {"Retry-After": "7"}, {"message": "slow down"}))
    assert isinstance(error, TransientOdooError)
    assert (error.retry_after, error.outcome_unknown, error.code) == (7.0, False, status)


def test_xmlrpc_protocol_error_429_reads_retry_after_from_its_headers():
    error = classify(
        xmlrpc.client.ProtocolError("127.0.0.1/xmlrpc/2/object", 429, "Too Many Requests", {"retry-after": "3"})
    )
    assert isinstance(error, TransientOdooError) and error.retry_after == 3.0


def test_retry_after_accepts_seconds_and_http_dates():
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None


# --------------------------------------------------------------------------------------------- sockets
@pytest.mark.parametrize(
    ("exc", "kind", "unknown"),
    [
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "connection_refused", False),
        (httpx.ConnectError("refused"), "connection_refused", False),
        (TimeoutError("timed out"), "timeout", True),
        (TimeoutError("timed out"), "timeout", True),
        (httpx.ReadTimeout("read timed out"), "timeout", True),
        (ConnectionResetError(errno.ECONNRESET, "reset"), "connection_lost", True),
        (http.client.RemoteDisconnected("closed"), "connection_lost", True),
        (httpx.RemoteProtocolError("Server disconnected"), "connection_lost", True),
    ],
)
def test_socket_failures_are_transient_and_say_whether_the_outcome_is_unknown(exc, kind, unknown):
    error = classify(exc)
    assert isinstance(error, TransientOdooError) and (error.kind, error.outcome_unknown) == (kind, unknown)


def test_odoolib_authentication_error_is_an_auth_error():
    assert isinstance(classify(AuthenticationError("Authentication failure")), OdooAuthError)


def test_anything_else_is_unknown_and_str_names_model_and_method():
    error = classify(KeyError("x"), model="res.partner", method="read")
    assert isinstance(error, OdooUnknownError) and str(error) == "res.partner.read: KeyError: 'x'"


@pytest.mark.parametrize(
    ("text", "expected", "kind", "message"),
    [
        (
            "Unknown error during import: <class 'odoo.exceptions.ValidationError'>: "
            "('Cannot create unbalanced journal entry.', None)",
            OdooValidationError,
            "unbalanced",
            "Cannot create unbalanced journal entry.",
        ),
        (
            'duplicate key value violates unique constraint "ir_model_data_module_name_uniq_index"\n'
            "DETAIL:  Key (module, name)=(integration_console, k) already exists.\n",
            OdooUnknownError,
            None,
            'UniqueViolation: duplicate key value violates unique constraint "ir_model_data_module_name_uniq_index"',
        ),
    ],
)
def test_an_import_message_is_classified_as_the_same_error_raised_by_a_create(text, expected, kind, message):
    # Odoo 11's load() answers errors as messages; a list create on 12+ raises them
    error = from_import_message(text, model="ir.model.data", method="load")
    assert type(error) is expected and error.kind == kind and error.message == message
