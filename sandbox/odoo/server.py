"""HTTP front: XML-RPC (/xmlrpc/2/*, legacy /xmlrpc/*), JSON-RPC (/jsonrpc), JSON-2 (/json/2/*, 19+),
/doc-bearer/<model>.json, and the token-guarded admin endpoints under /sandbox/.

HTTP/1.1 keep-alive; every answer is written in one send with TCP_NODELAY (no Nagle delay).
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import time
import xmlrpc.client
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import errors
from .admin import handle_admin
from .app import DropConnection, Sandbox, run_rpc
from .errors import OdooError, ServerError
from .json2 import handle_doc, handle_json2

SERIALIZATION = ServerError(
    "psycopg2.errors.SerializationFailure", "could not serialize access due to concurrent update"
)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Werkzeug/2.0.2"
    sys_version = "Python/3"
    sandbox: Sandbox = None  # set by make_server

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)

    # -- plumbing --------------------------------------------------------------------------------------------
    def body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status: int, body: bytes, content_type="application/json", headers=None):
        head = [
            f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}",
            f"Content-Type: {content_type}",
            f"Content-Length: {len(body)}",
            f"Server: {self.server_version}",
        ]
        for key, value in (headers or {}).items():
            head.append(f"{key}: {value}")
        if self.close_connection:
            head.append("Connection: close")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        self.log_request(status, len(body))

    def send_json(self, status: int, data, headers=None):
        self.send(status, json.dumps(data).encode(), headers=headers)

    def drop(self):
        """Close the socket without an answer (fault injection)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def injected(self) -> bool:
        """Apply the fault plan before an RPC; True when the request was answered (or dropped) by it."""
        faults = self.sandbox.faults
        decision = faults.before_request()
        delay = faults.latency()
        if delay:
            time.sleep(delay)
        if decision is None or decision[0] == "serialization":
            self.serialization = decision is not None
            return False
        self.body()
        if decision[0] == "drop":
            self.drop()
            return True
        _, status, retry_after = decision
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        text = {429: "Too Many Requests", 503: "Service Unavailable"}.get(status, "Server Error")
        self.send(status, f"<h1>{status} {text}</h1>".encode(), "text/html", headers)
        return True

    # -- routing ---------------------------------------------------------------------------------------------
    def do_GET(self):
        path = self.path.split("?")[0]
        if path.startswith("/sandbox/"):
            return handle_admin(self, "GET", path)
        if path.startswith("/doc-bearer/"):
            return handle_doc(self, path)
        if path in ("/", "/web/webclient/version_info"):
            return self.send_json(200, {"jsonrpc": "2.0", "id": None, "result": self.sandbox.version_info()})
        return self.not_found()

    def do_POST(self):
        path = self.path.split("?")[0]
        if path.startswith("/sandbox/"):
            return handle_admin(self, "POST", path)
        self.serialization = False
        if self.injected():
            return None
        self.sandbox.count("protocol:" + path.split("/")[1])
        if path.startswith("/xmlrpc/"):
            return self.xmlrpc(path)
        if path == "/jsonrpc":
            return self.jsonrpc()
        if path.startswith("/json/2/"):
            return handle_json2(self, path)
        if path == "/web/webclient/version_info":
            return self.send_json(200, {"jsonrpc": "2.0", "id": None, "result": self.sandbox.version_info()})
        return self.not_found()

    def not_found(self):
        self.body()
        self.send(404, b"<h1>Not Found</h1><p>The requested URL was not found on the server.</p>", "text/html")

    # -- protocols -------------------------------------------------------------------------------------------
    def call(self, service, method, params):
        """Dispatch with the fault plan's serialization errors and drop-after-commit applied."""
        if self.serialization:
            raise SERIALIZATION
        result = run_rpc(self.sandbox.dispatch, service, method, params)
        if service == "object" and len(params) > 4 and self.sandbox.is_drop(params[3], params[4]):
            raise DropConnection
        return result

    def xmlrpc(self, path):
        data = self.body()
        new_style = path.startswith("/xmlrpc/2/")
        service = path[len("/xmlrpc/2/") if new_style else len("/xmlrpc/") :]
        version = self.sandbox.version
        try:
            params, method = xmlrpc.client.loads(data)
            result = self.call(service, method, params)
            body = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=False)
        except DropConnection:
            return self.drop()
        except (OdooError, TypeError, ValueError, OverflowError) as exc:
            if not isinstance(exc, OdooError):  # e.g. "cannot marshal None unless allow_none is enabled"
                exc = ServerError(type(exc).__name__, str(exc))
            code, text = (errors.xmlrpc_fault_int if new_style else errors.xmlrpc_fault_string)(exc, version)
            body = xmlrpc.client.dumps(xmlrpc.client.Fault(code, text), allow_none=False)
        except Exception as exc:  # noqa: BLE001 - malformed XML and the like: answer a fault, never crash
            code, text = errors.xmlrpc_fault_int(ServerError(type(exc).__name__, str(exc)), version)
            body = xmlrpc.client.dumps(xmlrpc.client.Fault(code, text), allow_none=False)
        self.send(200, body.encode(), "text/xml; charset=utf-8")
        return None

    def jsonrpc(self):
        data = self.body()
        try:
            request = json.loads(data or b"{}")
            request_id = request.get("id")
            params = request.get("params") or {}
            result = self.call(params.get("service"), params.get("method"), params.get("args") or [])
            answer = {"jsonrpc": "2.0", "id": request_id, "result": result}
        except DropConnection:
            return self.drop()
        except OdooError as exc:
            answer = {
                "jsonrpc": "2.0",
                "id": locals().get("request_id"),
                "error": errors.jsonrpc_error(exc, self.sandbox.version),
            }
        except Exception as exc:  # noqa: BLE001 - a bad body still gets a JSON-RPC error
            error = errors.jsonrpc_error(ServerError(type(exc).__name__, str(exc)), self.sandbox.version)
            answer = {"jsonrpc": "2.0", "id": None, "error": error}
        self.send_json(200, answer)
        return None


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    verbose = False

    def handle_error(self, request, client_address):
        """Clients that hang up (timeouts, injected drops) are normal here; other errors are printed."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


def make_server(sandbox: Sandbox, host="127.0.0.1", port=8169, verbose=False) -> SandboxServer:
    handler = type("BoundHandler", (Handler,), {"sandbox": sandbox})
    server = SandboxServer((host, port), handler)
    server.verbose = verbose
    return server
