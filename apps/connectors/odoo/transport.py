"""Wire transports over odoo-client-lib, with what the library lacks: timeouts, keep-alive, explicit ports.

- XML-RPC / JSON-RPC: odoolib's `Connection` + `Service` objects drive the calls; we give them connectors whose
  `send` reuses one keep-alive connection (per thread for XML-RPC, a pooled `httpx.Client` for JSON-RPC) and
  sets a socket timeout (odoolib's XML-RPC `ServerProxy` has none, its JSON-RPC uses httpx's 5 s default).
- JSON-2: odoolib's `Json2Connection` builds the URL, the bearer and database headers; we post with our own
  `httpx.Client` because odoolib's `JsonModel` turns every non-200 answer into a bare `ValueError`, which loses
  the status code, the `Retry-After` header and Odoo's error body that fault classification needs.

Transports raise raw errors (xmlrpc Fault, JsonRPCException, HttpStatusError, socket/httpx errors); the gateway
classifies them. Every transport is safe to share between threads.
"""

import random
import select
import threading
import time
import xmlrpc.client

import httpx
from odoolib.json2 import Json2Connection, Json2Connector, Json2SConnector
from odoolib.rpc import Connection, JsonRPCConnector, XmlRPCConnector
from odoolib.tools import AuthenticationError, JsonRPCException

from apps.connectors.odoo.config import Endpoint, OdooConfig
from apps.connectors.odoo.faults import HttpStatusError

# An idle keep-alive connection older than this is reopened before use: servers close idle sockets, and a
# request sent on a socket the server is closing fails after sending (outcome unknown), which we avoid.
MAX_IDLE_SECONDS = 3.0


def _httpx_client(timeout: float) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        limits=httpx.Limits(max_keepalive_connections=8, keepalive_expiry=MAX_IDLE_SECONDS),
        headers={"User-Agent": "integration-console"},
    )


# --------------------------------------------------------------------------------------------- XML-RPC
class _KeepAliveMixin:
    """xmlrpc.client transport with a socket timeout, keep-alive reuse and no silent resend.

    The stdlib transport resends a request once when the server closed the connection mid-answer; for a
    `create` that may duplicate a record Odoo already committed, so we send exactly once.
    """

    def _setup(self, timeout: float):
        self._timeout = timeout
        self._last_used = 0.0

    def make_connection(self, host):
        conn = self._connection[1]
        if conn is not None and (time.monotonic() - self._last_used > MAX_IDLE_SECONDS or _closed_by_peer(conn)):
            self.close()
        conn = super().make_connection(host)
        conn.timeout = self._timeout
        if conn.sock is not None:
            conn.sock.settimeout(self._timeout)
        return conn

    def request(self, host, handler, request_body, verbose=False):
        try:
            return self.single_request(host, handler, request_body, verbose)
        finally:
            self._last_used = time.monotonic()


def _closed_by_peer(conn) -> bool:
    """An idle keep-alive socket that is readable has been closed (or spoiled) by the server: do not reuse it."""
    sock = getattr(conn, "sock", None)
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class _Transport(_KeepAliveMixin, xmlrpc.client.Transport):
    def __init__(self, timeout: float):
        super().__init__()
        self._setup(timeout)


class _SafeTransport(_KeepAliveMixin, xmlrpc.client.SafeTransport):
    def __init__(self, timeout: float):
        super().__init__()
        self._setup(timeout)


class KeepAliveXmlRPCConnector(XmlRPCConnector):
    """odoolib's XML-RPC connector, one `ServerProxy` per service and thread instead of one per call."""

    def __init__(self, endpoint: Endpoint, timeout: float):
        self.url = f"{endpoint.base_url}/xmlrpc"
        self.PROTOCOL = endpoint.odoolib_protocol
        self._tls = endpoint.tls
        self._timeout = timeout
        self._local = threading.local()

    def _proxy(self, service_name: str) -> xmlrpc.client.ServerProxy:
        proxies = self._local.__dict__.setdefault("proxies", {})
        if service_name not in proxies:
            transport = _SafeTransport(self._timeout) if self._tls else _Transport(self._timeout)
            # allow_none: a None inside vals is sent as <nil/> instead of failing on our side.
            proxies[service_name] = xmlrpc.client.ServerProxy(
                f"{self.url}/2/{service_name}", transport=transport, allow_none=True
            )
        return proxies[service_name]

    def send(self, service_name, method, *args):
        return getattr(self._proxy(service_name), method)(*args)

    def close(self):
        for proxy in getattr(self._local, "proxies", {}).values():
            proxy("close")()
        self._local = threading.local()


# --------------------------------------------------------------------------------------------- JSON-RPC
class PooledJsonRPCConnector(JsonRPCConnector):
    """odoolib's JSON-RPC connector over one pooled `httpx.Client` (keep-alive, our timeout)."""

    def __init__(self, endpoint: Endpoint, timeout: float):
        self.url = f"{endpoint.base_url}/jsonrpc"
        self.PROTOCOL = endpoint.odoolib_protocol
        self.client = _httpx_client(timeout)

    def send(self, service_name, method, *args):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service_name, "method": method, "args": list(args)},
            "id": random.randint(0, 1_000_000_000),
        }
        response = self.client.post(self.url, json=payload)
        if response.status_code != 200:
            raise HttpStatusError(response.status_code, dict(response.headers), _json_or_text(response))
        data = response.json()
        if data.get("error"):
            raise JsonRPCException(data["error"])  # the same exception odoolib raises
        return data.get("result", False)

    def close(self):
        self.client.close()


def _json_or_text(response: httpx.Response):
    try:
        return response.json()
    except ValueError:
        return response.text[:2000]


# --------------------------------------------------------------------------------------------- transports
class RpcTransport:
    """XML-RPC or JSON-RPC: `execute_kw` through odoolib's `Connection.get_service('object')`."""

    def __init__(self, config: OdooConfig, endpoint: Endpoint):
        if endpoint.family == "xmlrpc":
            connector = KeepAliveXmlRPCConnector(endpoint, config.timeout)
        else:
            connector = PooledJsonRPCConnector(endpoint, config.timeout)
        self.connection = Connection(connector, config.database, config.login, config.secret)
        self._lock = threading.Lock()

    def version(self) -> dict:
        return self.connection.get_service("common").version()

    def authenticate(self) -> int:
        """`common.authenticate` (odoolib uses `login`, which skips the user-agent/2FA-aware path)."""
        conn = self.connection
        uid = conn.get_service("common").authenticate(conn.database, conn.login, conn.password, {})
        if not uid:
            raise AuthenticationError("Authentication failure: wrong login, password or API key")
        conn.user_id = uid
        return uid

    def uid(self) -> int:
        with self._lock:
            return self.connection.user_id or self.authenticate()

    def execute_kw(self, model: str, method: str, args: list, kw: dict):
        conn = self.connection
        uid = self.uid()
        return conn.get_service("object").execute_kw(conn.database, uid, conn.password, model, method, args, kw)

    def close(self):
        self.connection.connector.close()


# JSON-2 takes named parameters only. Model-level methods take no `ids`; for these ORM methods we know the
# parameter names; any other method gets `ids` from its first argument and names for the rest from the
# per-model introspection document odoolib uses (`/doc-bearer/<model>.json`), fetched once per model.
MODEL_METHOD_PARAMS = {
    "search_read": ("domain", "fields", "offset", "limit", "order"),
    "search": ("domain", "offset", "limit", "order"),
    "search_count": ("domain", "limit"),
    "create": ("vals_list",),
    "fields_get": ("allfields", "attributes"),
    "check_access_rights": ("operation", "raise_exception"),
    "name_search": ("name", "domain", "operator", "limit"),
    "context_get": (),
    "default_get": ("fields_list",),
}
RECORD_METHOD_PARAMS = {"read": ("fields",), "write": ("vals",), "unlink": ()}


class Json2Transport:
    """JSON-2 (`POST /json/2/<model>/<method>`, bearer API key): one httpx call per ORM call."""

    def __init__(self, config: OdooConfig, endpoint: Endpoint):
        connector_cls = Json2SConnector if endpoint.tls else Json2Connector
        self.connection = Json2Connection(connector_cls(endpoint.host, endpoint.port), config.database, config.secret)
        self.base_url = endpoint.base_url
        self.login = config.login
        self.client = _httpx_client(config.timeout)
        self._methods: dict[str, dict[str, tuple]] = {}
        self._uid = None

    def version(self) -> dict:
        """`common.version` over /jsonrpc (public, no credentials), else the web client's /web/version."""
        payload = {"jsonrpc": "2.0", "method": "call", "params": {"service": "common", "method": "version", "args": []}}
        response = self.client.post(f"{self.base_url}/jsonrpc", json=payload)
        body = _json_or_text(response) if response.status_code == 200 else None
        if isinstance(body, dict) and "result" in body:
            return body["result"]
        response = self.client.post(f"{self.base_url}/web/version", json={"jsonrpc": "2.0", "params": {}})
        if response.status_code != 200:
            raise HttpStatusError(response.status_code, dict(response.headers), _json_or_text(response))
        return response.json().get("result", {})

    def authenticate(self) -> int:
        """The API key's user: `res.users.context_get()['uid']`, else the user with our login."""
        context = self.execute_kw("res.users", "context_get", [], {})
        uid = context.get("uid") if isinstance(context, dict) else None
        if not uid and self.login:
            found = self.execute_kw("res.users", "search", [[["login", "=", self.login]]], {"limit": 1})
            uid = found[0] if found else None
        if not uid:
            raise AuthenticationError("The API key is valid but its user could not be identified")
        self._uid = uid
        return uid

    def uid(self) -> int:
        return self._uid or self.authenticate()

    def _named(self, model: str, method: str, args: list, kw: dict) -> dict:
        data = dict(kw)
        if method in MODEL_METHOD_PARAMS:
            names = MODEL_METHOD_PARAMS[method]
        else:
            if args:
                data["ids"] = args[0]
                args = args[1:]
            names = RECORD_METHOD_PARAMS.get(method)
            if names is None and args:
                names = self._introspected(model, method)
        if len(args) > len(names or ()):
            raise TypeError(f"{model}.{method}: pass the extra arguments by name for JSON-2")
        data.update(zip(names or (), args, strict=False))
        if method == "create" and isinstance(data.get("vals_list"), dict):
            data["vals_list"] = [data["vals_list"]]
        return data

    def _introspected(self, model: str, method: str) -> tuple:
        """Parameter names from `/doc-bearer/<model>.json` (what odoolib's JsonModel reads), with our timeout."""
        if model not in self._methods:
            url = f"{self.base_url}/doc-bearer/{model}.json"
            response = self.client.get(url, headers=self.connection.bearer_header)
            if response.status_code != 200:
                raise HttpStatusError(response.status_code, dict(response.headers), _json_or_text(response))
            methods = response.json().get("methods", {})
            self._methods[model] = {name: tuple(m.get("parameters", {})) for name, m in methods.items()}
        return self._methods[model].get(method, ())

    def execute_kw(self, model: str, method: str, args: list, kw: dict):
        data = self._named(model, method, args, kw)
        url = f"{self.connection.connector.url}{model}/{method}"
        response = self.client.post(url, headers=self.connection.bearer_header, json=data)
        if response.status_code != 200:
            raise HttpStatusError(response.status_code, dict(response.headers), _json_or_text(response))
        return response.json()

    def close(self):
        self.client.close()


def open_transport(config: OdooConfig):
    endpoint = config.endpoint()
    if endpoint.family == "json2":
        return Json2Transport(config, endpoint)
    return RpcTransport(config, endpoint)


__all__ = ["Json2Transport", "RpcTransport", "open_transport"]
