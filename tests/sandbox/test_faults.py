"""Fault injection over real sockets: status bursts and windows with Retry-After, drops after commit, latency,
serialization errors, outages, and the token guard of the admin endpoints."""

import http.client
import json
import time
import urllib.error
import urllib.request
import xmlrpc.client

import httpx
import pytest

from sandbox.odoo.testing import run_sandbox
from tests.sandbox.helpers import Rpc, exception_line


def raw_call(sb, model="res.company", method="search_count", args=([],)):
    """One XML-RPC request on a fresh connection; returns (status, headers, body)."""
    body = xmlrpc.client.dumps((sb.database, sb.admin_uid, sb.password, model, method, list(args)), "execute_kw")
    conn = http.client.HTTPConnection(sb.host, sb.port, timeout=5)
    try:
        conn.request("POST", "/xmlrpc/2/object", body, {"Content-Type": "text/xml"})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.fixture
def sb17(sandbox_for):
    handle = sandbox_for(17)
    handle.clear_faults()
    yield handle
    handle.clear_faults()


def test_429_burst_carries_retry_after_then_recovers(sb17):
    sb17.set_faults({"status_burst": {"status": 429, "count": 2, "retry_after": 3}})
    for _ in range(2):
        status, headers, _ = raw_call(sb17)
        assert status == 429 and headers["Retry-After"] == "3"
    status, _, body = raw_call(sb17)
    assert status == 200 and xmlrpc.client.loads(body)[0][0] == 3
    assert sb17.get_faults()["status_burst"]["count"] == 0


def test_503_window_answers_503_until_it_closes(sb17):
    sb17.set_faults({"status_window": {"status": 503, "seconds": 0.6}})
    status, headers, _ = raw_call(sb17)
    assert status == 503 and int(headers["Retry-After"]) >= 1
    time.sleep(0.7)
    assert raw_call(sb17)[0] == 200


def test_drop_after_commit_closes_the_socket_yet_the_record_exists(sb17):
    rpc = Rpc(sb17)
    sb17.set_faults({"drop_after_commit": {"model": "res.partner", "method": "create", "count": 1}})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine)):
        raw_call(sb17, "res.partner", "create", [{"name": "Dropped but saved"}])
    assert rpc("res.partner", "search_count", [["name", "=", "Dropped but saved"]]) == 1
    assert rpc("res.partner", "create", {"name": "Not dropped"})  # count exhausted


def test_stdlib_xmlrpc_client_silently_resends_a_dropped_call(sb17):
    """A fact for the gateway: ServerProxy retries once on RemoteDisconnected, so a dropped create runs twice."""
    rpc = Rpc(sb17)
    sb17.set_faults({"drop_after_commit": {"model": "res.partner", "method": "create", "count": 1}})
    proxy = xmlrpc.client.ServerProxy(sb17.url + "/xmlrpc/2/object")
    proxy.execute_kw(sb17.database, rpc.uid, sb17.password, "res.partner", "create", [{"name": "Created twice"}])
    assert rpc("res.partner", "search_count", [["name", "=", "Created twice"]]) == 2


def test_drop_after_commit_applies_to_json2(sandbox_for):
    sb = sandbox_for(19)
    sb.set_faults({"drop_after_commit": {"model": "res.partner", "method": "create", "count": 1}})
    try:
        with pytest.raises(httpx.TransportError):
            httpx.post(
                f"{sb.url}/json/2/res.partner/create",
                json={"vals_list": [{"name": "JSON-2 dropped"}]},
                headers={"Authorization": f"bearer {sb.api_key}"},
            )
        assert Rpc(sb)("res.partner", "search_count", [["name", "=", "JSON-2 dropped"]]) == 1
    finally:
        sb.clear_faults()


def test_latency_delays_every_call(sb17):
    sb17.set_faults({"latency_ms": 120})
    start = time.monotonic()
    assert raw_call(sb17)[0] == 200
    assert time.monotonic() - start >= 0.12


def test_serialization_errors_are_faults_that_commit_nothing(sb17):
    rpc = Rpc(sb17)
    sb17.set_faults({"error_rate": 1.0, "error_kind": "serialization"})
    fault = rpc.fault("res.partner", "create", {"name": "Never saved"})
    assert fault.faultCode == 1
    assert (
        exception_line(fault)
        == "psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update"
    )
    sb17.clear_faults()
    assert rpc("res.partner", "search_count", [["name", "=", "Never saved"]]) == 0


def test_error_rate_with_http_kind_answers_that_status(sb17):
    sb17.set_faults({"error_rate": 1.0, "error_kind": "http502"})
    assert raw_call(sb17)[0] == 502


def test_outage_drops_connections_until_it_ends(sb17):
    sb17.set_faults({"outage_seconds": 0.5})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine)):
        raw_call(sb17)
    time.sleep(0.6)
    assert raw_call(sb17)[0] == 200


def test_an_empty_plan_switches_every_fault_off_and_merge_keeps_the_rest(sb17):
    sb17.set_faults({"latency_ms": 10, "status_burst": {"status": 503, "count": 5}})
    merged = sb17.set_faults({"latency_ms": 20, "merge": True})
    assert merged["latency_ms"] == 20 and merged["status_burst"]["count"] == 5
    cleared = sb17.set_faults({})
    assert cleared["latency_ms"] == 0 and cleared["status_burst"] is None


def test_admin_endpoints_need_the_token_and_validate_plans(sb17):
    request = urllib.request.Request(sb17.url + "/sandbox/faults", headers={"X-Sandbox-Token": "wrong"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request)
    assert info.value.code == 403
    bad = urllib.request.Request(
        sb17.url + "/sandbox/faults",
        data=json.dumps({"error_rate": 2}).encode(),
        headers={"X-Sandbox-Token": sb17.admin_token},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(bad)
    assert info.value.code == 400 and json.loads(info.value.read())["error"].startswith("error_rate")


def test_admin_endpoints_are_never_faulted(sb17):
    sb17.set_faults({"status_window": {"status": 503, "seconds": 5}})
    assert sb17.stats()["records"]["res.company"] == 3
    assert sb17.clear_faults()["status_window"] is None


def test_cli_fault_flags_apply_from_the_start(tmp_path):
    with run_sandbox(
        17, tmp_path, extra_args=["--fault", '{"status_burst": {"status": 429, "count": 1, "retry_after": 7}}']
    ) as sb:
        status, headers, _ = raw_call(sb)
        assert status == 429 and headers["Retry-After"] == "7"
        assert raw_call(sb)[0] == 200
