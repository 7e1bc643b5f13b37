"""Socket-level behaviour: every fault class from a real socket, timeouts, keep-alive, ports, rate limit.

Faults come from the sandbox's fault injection (429 + Retry-After, 503, latency, drops after commit) and from a
closed port; nothing here mocks the client.
"""

import socket
import threading
import time

import pytest

from apps.connectors.odoo import OdooAuthError, OdooConfig, OdooGateway, OdooValidationError, TransientOdooError
from tests.contract.odoo_support import faults, gateway, sandbox_config, with_

pytest_plugins = ["tests.contract.odoo_targets"]

PROTOCOLS = [(17, "xmlrpc"), (17, "jsonrpc"), (19, "json2")]


@pytest.fixture(params=PROTOCOLS, ids=[f"v{v}-{p}" for v, p in PROTOCOLS])
def target(request, sandboxes):
    version, protocol = request.param
    sandbox = sandboxes(version)
    sandbox.set_faults({})
    return sandbox, sandbox_config(sandbox, protocol, timeout=2.0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------------------------- transient
def test_429_with_retry_after_is_transient_and_carries_the_wait(target):
    sandbox, config = target
    with gateway(config) as gw:
        gw.login()  # before the burst
        with (
            faults(sandbox, status_burst={"status": 429, "count": 5, "retry_after": 7}),
            pytest.raises(TransientOdooError) as error,
        ):
            gw.search_read("res.partner", [], ["name"], limit=1)
    assert (error.value.code, error.value.retry_after, error.value.outcome_unknown) == (429, 7.0, False)


def test_503_window_is_transient(target):
    sandbox, config = target
    with gateway(config) as gw:
        gw.login()
        with faults(sandbox, status_window={"status": 503, "seconds": 30}), pytest.raises(TransientOdooError) as error:
            gw.search_count("res.partner", [])
    assert error.value.code == 503 and 0 < error.value.retry_after <= 30


def test_serialization_failure_is_transient(target):
    sandbox, config = target
    with gateway(config) as gw:
        gw.login()
        with faults(sandbox, error_rate=1.0, error_kind="serialization"), pytest.raises(TransientOdooError) as error:
            gw.search_count("res.partner", [])
    assert error.value.kind == "serialization"


def test_outage_closing_connections_is_transient(target):
    sandbox, config = target
    with gateway(config) as gw:
        gw.login()
        with faults(sandbox, outage_seconds=30), pytest.raises(TransientOdooError) as error:
            gw.search_count("res.partner", [])
    assert error.value.kind == "connection_lost"


def test_slow_server_times_out_within_the_configured_timeout(target):
    sandbox, config = target
    with gateway(with_(config, timeout=0.3)) as gw:
        gw.login()
        started = time.perf_counter()
        with faults(sandbox, latency_ms=1500), pytest.raises(TransientOdooError) as error:
            gw.search_count("res.partner", [])
    assert error.value.kind == "timeout" and error.value.outcome_unknown
    assert time.perf_counter() - started < 1.2


def test_connection_refused_on_a_closed_port_is_transient_and_not_sent():
    for protocol in ("xmlrpc", "jsonrpc", "json2"):
        url = f"http://127.0.0.1:{free_port()}"
        config = OdooConfig(url=url, database="x", login="a", secret="b", protocol=protocol)
        with gateway(config) as gw, pytest.raises(TransientOdooError) as error:
            gw.search_count("res.partner", [])
        assert error.value.kind == "connection_refused" and not error.value.outcome_unknown


def test_connection_dropped_after_commit_is_transient_with_unknown_outcome_and_the_record_exists(target):
    sandbox, config = target
    with gateway(config) as gw:
        gw.login()
        name = f"Dropped {time.monotonic_ns()}"
        with (
            faults(sandbox, drop_after_commit={"model": "res.partner", "method": "create", "count": 1}),
            pytest.raises(TransientOdooError) as error,
        ):
            gw.create("res.partner", {"name": name})
        assert error.value.outcome_unknown
        assert gw.search_count("res.partner", [["name", "=", name]]) == 1  # committed, not resent


# ---------------------------------------------------------------------------------- other classes over the wire
def test_validation_and_auth_faults_over_each_protocol(target):
    _, config = target
    with gateway(config) as gw, pytest.raises(OdooValidationError):
        gw.write("res.partner", [999_999_999], {"name": "missing"})
    with gateway(with_(config, secret="wrong")) as bad, pytest.raises(OdooAuthError):
        bad.search_count("res.partner", [])


# --------------------------------------------------------------------------------------------- connections
def test_xmlrpc_reuses_one_keep_alive_connection(sandboxes):
    config = sandbox_config(sandboxes(17), "xmlrpc")
    with gateway(config) as gw:
        gw.search_count("res.partner", [])
        connector = gw._transport.connection.connector
        first = connector._proxy("object")("transport")._connection[1].sock.getsockname()
        for _ in range(5):
            gw.search_count("res.partner", [])
        assert connector._proxy("object")("transport")._connection[1].sock.getsockname() == first


def test_jsonrpc_reuses_pooled_connections(sandboxes):
    config = sandbox_config(sandboxes(17), "jsonrpc")
    with gateway(config) as gw:
        for _ in range(5):
            gw.search_count("res.partner", [])
        pool = gw._transport.connection.connector.client._transport._pool
        assert len(pool.connections) == 1


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_kept_alive_connections_survive_a_server_restart_for_reads_and_writes(sandboxes, protocol):
    sandbox = sandboxes(16)
    with gateway(sandbox_config(sandbox, protocol)) as gw:
        before = gw.search_count("res.partner", [])
        sandbox.restart()  # same port and data; our idle socket is now closed by the peer
        assert gw.search_count("res.partner", []) == before
        sandbox.restart()
        assert isinstance(gw.create("res.partner", {"name": "After restart"}), int)  # not an 'unknown outcome'


def test_gateway_is_safe_to_share_between_threads(sandboxes):
    config = sandbox_config(sandboxes(17), "xmlrpc")
    errors: list[BaseException] = []
    with gateway(config) as gw:

        def work():
            try:
                for _ in range(10):
                    assert gw.search_count("res.company", []) == 3
            except BaseException as exc:  # collected for the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


@pytest.mark.django_db
def test_rate_limit_spaces_calls_through_the_shared_token_bucket(sandboxes):
    config = with_(
        sandbox_config(sandboxes(17), "xmlrpc"), rate_limit_key="odoo:test", rate_per_second=10.0, rate_burst=1
    )
    gw = OdooGateway(config)
    gw.login()
    started = time.perf_counter()
    for _ in range(5):
        gw.search_count("res.partner", [])
    assert time.perf_counter() - started >= 0.35  # 4 waits of 0.1 s after the first token
    gw.close()
