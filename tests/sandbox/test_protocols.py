"""Wire protocols: XML-RPC (new and legacy routes), JSON-RPC and JSON-2, driven with odoo-client-lib."""

import http.client
import xmlrpc.client

import httpx
import odoolib
import pytest
from odoolib.tools import AuthenticationError

from tests.sandbox.helpers import Rpc


def connection(sb, protocol, **kw):
    password = sb.api_key if protocol == "json2" else kw.pop("password", sb.password)
    return odoolib.get_connection(
        hostname=sb.host,
        protocol=protocol,
        port=sb.port,
        database=sb.database,
        login=kw.pop("login", sb.login),
        password=password,
    )


def test_version_names_the_server_series(sb):
    info = xmlrpc.client.ServerProxy(sb.url + "/xmlrpc/2/common").version()
    assert info["server_version"] == f"{sb.version}.0"
    assert info["server_version_info"][:2] == [sb.version, 0] and info["protocol_version"] == 1


def test_authenticate_returns_the_uid_or_false_for_a_wrong_password(sb):
    common = xmlrpc.client.ServerProxy(sb.url + "/xmlrpc/2/common")
    assert common.authenticate(sb.database, sb.login, sb.password, {}) == sb.admin_uid
    assert common.authenticate(sb.database, sb.login, "wrong", {}) is False
    assert common.login(sb.database, "nobody", sb.password) is False


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_odoolib_logs_in_and_reads_over_xmlrpc_and_jsonrpc(sb, protocol):
    conn = connection(sb, protocol)
    conn.check_login()
    assert conn.user_id == sb.admin_uid
    companies = conn.get_model("res.company").search_read([], ["name", "currency_id"], order="id")
    assert [c["name"] for c in companies] == ["Acme Inc.", "Acme France SAS", "Acme GmbH"]
    assert conn.get_model("res.partner").read(1, ["name"])["name"] == "Acme Inc."
    assert conn.get_user_context()["lang"] == "en_US"


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_odoolib_refuses_a_wrong_password(sb, protocol):
    with pytest.raises(AuthenticationError):
        connection(sb, protocol, password="wrong").check_login()


def test_wrong_password_in_execute_kw_is_access_denied_fault_3(sb):
    obj = xmlrpc.client.ServerProxy(sb.url + "/xmlrpc/2/object")
    with pytest.raises(xmlrpc.client.Fault) as info:
        obj.execute_kw(sb.database, sb.admin_uid, "wrong", "res.partner", "search", [[]])
    assert info.value.faultCode == 3
    assert info.value.faultString == ("Access denied" if sb.version < 12 else "Access Denied")


def test_api_key_replaces_the_password_from_14(sb):
    obj = xmlrpc.client.ServerProxy(sb.url + "/xmlrpc/2/object")
    call = lambda key: obj.execute_kw(sb.database, sb.admin_uid, key, "res.company", "search_count", [[]])  # noqa: E731
    if sb.version < 14:
        with pytest.raises(xmlrpc.client.Fault):
            call(sb.api_key)
        return
    assert call(sb.api_key) == 3
    with pytest.raises(xmlrpc.client.Fault) as info:
        call("expired-api-key")
    assert info.value.faultCode == 3


def test_legacy_route_answers_string_fault_codes(sb):
    rpc = Rpc(sb, legacy=True)
    fault = rpc.fault("no.such.model", "search", [])
    if sb.version < 12:
        assert fault.faultCode == "warning -- Object no.such.model doesn't exist\n\n"
    else:
        assert fault.faultCode == "warning -- UserError\n\nObject no.such.model doesn't exist"
    assert rpc.fault("account.move", "_x", [1]).faultCode.startswith("warning -- AccessError\n\n")


def _jsonrpc(sb, service, method, *args):
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 7,
        "params": {"service": service, "method": method, "args": list(args)},
    }
    response = httpx.post(sb.url + "/jsonrpc", json=payload)
    assert response.status_code == 200
    return response.json()


def test_jsonrpc_errors_are_http_200_with_odoo_server_error(sb):
    answer = _jsonrpc(
        sb, "object", "execute_kw", sb.database, sb.admin_uid, sb.password, "no.such.model", "search", [[]]
    )
    error = answer["error"]
    assert answer["id"] == 7 and error["code"] == 200 and error["message"] == "Odoo Server Error"
    assert error["data"]["name"] == "odoo.exceptions.UserError"
    assert error["data"]["message"].startswith("Object no.such.model doesn't exist")
    assert {"debug", "arguments"} <= set(error["data"])
    assert ("exception_type" if sb.version < 12 else "context") in error["data"]


def test_one_keep_alive_connection_serves_many_calls(sb):
    conn = http.client.HTTPConnection(sb.host, sb.port, timeout=5)
    body = xmlrpc.client.dumps(
        (sb.database, sb.admin_uid, sb.password, "res.company", "search_count", [[]]), "execute_kw"
    )
    for _ in range(20):
        conn.request("POST", "/xmlrpc/2/object", body, {"Content-Type": "text/xml"})
        response = conn.getresponse()
        assert xmlrpc.client.loads(response.read())[0][0] == 3
    assert conn.sock is not None  # never closed by the server
    conn.close()


# -------------------------------------------------------------------------------------------------- JSON-2
@pytest.fixture
def sb19(sandbox_for):
    handle = sandbox_for(19)
    handle.clear_faults()
    return handle


def _json2(sb, model, method, body=None, key=None):
    headers = {"Authorization": f"bearer {key or sb.api_key}", "X-Odoo-Database": sb.database}
    return httpx.post(f"{sb.url}/json/2/{model}/{method}", json=body or {}, headers=headers)


def test_json2_through_odoolib_maps_positional_arguments_via_introspection(sb19):
    conn = connection(sb19, "json2")
    partners = conn.get_model("res.partner")
    assert partners.search([["is_company", "=", True]], 0, 2) == [1, 2]
    assert partners.read([1], ["name"]) == {"id": 1, "name": "Acme Inc."}
    new = partners.create([{"name": "JSON-2 partner"}])
    assert partners.write(new, {"comment": "via json2"}) is True
    assert conn.check_login() is True and conn.get_user_context()["uid"] == sb19.admin_uid


def test_json2_named_parameters_with_ids_and_context(sb19):
    answer = _json2(sb19, "res.company", "read", {"ids": [2], "fields": ["name"], "context": {"lang": "en_US"}})
    assert answer.status_code == 200 and answer.json() == [{"id": 2, "name": "Acme France SAS"}]


def test_json2_bad_key_is_401_invalid_apikey(sb19):
    for key in ("not-a-key", "expired-api-key"):
        answer = _json2(sb19, "res.partner", "search", {"domain": []}, key=key)
        assert answer.status_code == 401 and answer.json()["message"] == "Invalid apikey"
    assert connection(sb19, "json2").check_login() is True
    bad = odoolib.get_connection(
        hostname=sb19.host, protocol="json2", port=sb19.port, database=sb19.database, password="x"
    )
    assert bad.check_login() is False


def test_json2_unknown_model_or_method_is_404_and_ids_on_a_model_method_is_422(sb19):
    assert _json2(sb19, "no.such.model", "search", {"domain": []}).status_code == 404
    assert _json2(sb19, "res.partner", "no_such_method", {}).status_code == 404
    answer = _json2(sb19, "res.partner", "search", {"ids": [1], "domain": []})
    assert answer.status_code == 422 and "with ids" in answer.json()["message"]
    assert _json2(sb19, "res.partner", "search", {"no_such_param": 1}).status_code == 422


def test_json2_user_error_is_422_and_access_error_403(sb19):
    rpc = Rpc(sb19)
    answer = _json2(sb19, "account.move", "create", {"vals_list": [rpc.move_vals(credit=9.0)]})
    assert answer.status_code == 422 and "is not balanced" in answer.json()["message"]
    answer = _json2(sb19, "account.move", "create", {"vals_list": [rpc.move_vals()]}, key="restricted-api-key")
    assert answer.status_code == 403 and answer.json()["name"] == "odoo.exceptions.AccessError"


def test_doc_bearer_describes_ordered_parameters_and_model_methods(sb19):
    answer = httpx.get(f"{sb19.url}/doc-bearer/res.partner.json", headers={"Authorization": f"bearer {sb19.api_key}"})
    methods = answer.json()["methods"]
    assert list(methods["search"]["parameters"]) == ["domain", "offset", "limit", "order"]
    assert methods["search"]["api"] == ["model"] and methods["write"]["api"] == []
    assert list(methods["write"]["parameters"]) == ["vals"]


@pytest.mark.parametrize("old", [16, 17, 18])
def test_json2_is_not_found_before_19(sandbox_for, old):
    sb = sandbox_for(old)
    assert _json2(sb, "res.partner", "search", {"domain": []}).status_code == 404
    assert (
        httpx.get(
            f"{sb.url}/doc-bearer/res.partner.json", headers={"Authorization": f"bearer {sb.api_key}"}
        ).status_code
        == 404
    )
