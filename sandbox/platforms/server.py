"""What both platform sandboxes share: argument parsing, a JSON-speaking threaded HTTP server, a data dir, and
an inbox for the console's outbound webhooks.

Inbox: `POST /inbox[/<anything>]` keeps each message the console sends (body, Standard Webhooks headers) in
`inbox.json`, once per `webhook-id` (a resent message is acknowledged, not stored twice); `GET /inbox` lists
them, newest last. It stands for the platform's endpoint of a generic webhook platform in the demo and tests.
Signatures are kept, not checked: the sandbox does not hold the connector's secret (the tests verify them).
"""

import argparse
import json
import socket
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def parse_args(description: str, default_port: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    parser.add_argument("--data", required=True, help="data directory (seeded on first start)")
    parser.add_argument("--reports", type=int, default=12, help="reports to seed when the directory is empty")
    parser.add_argument("--rate-limit", type=int, default=None, help="requests (jobs) per minute")
    return parser.parse_args()


class DataDir:
    """JSON files in a directory, read and written under one lock (the sandbox is small)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()

    def exists(self, name: str) -> bool:
        return (self.path / name).exists()

    def read(self, name: str, default=None):
        with self.lock:
            file = self.path / name
            return json.loads(file.read_text()) if file.exists() else default

    def write(self, name: str, value) -> None:
        with self.lock:
            tmp = self.path / (name + ".tmp")
            tmp.write_text(json.dumps(value, indent=1, sort_keys=True))
            tmp.replace(self.path / name)


class SlidingWindow:
    """At most `limit` events per `period` seconds per key."""

    def __init__(self, limit: int, period: float = 60.0):
        self.limit, self.period = limit, period
        self.events: dict[str, deque] = {}
        self.lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self.lock:
            window = self.events.setdefault(key, deque())
            while window and now - window[0] > self.period:
                window.popleft()
            if len(window) >= self.limit:
                return False
            window.append(now)
            return True


class JsonHandler(BaseHTTPRequestHandler):
    server_version = "PlatformSandbox/1.0"
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes; without NODELAY, Nagle + delayed ACK add ~40 ms per keep-alive call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):  # quiet: tests read answers, not logs
        pass

    def send_json(self, status: int, body, headers: dict | None = None) -> None:
        self.send_bytes(status, json.dumps(body).encode(), "application/json", headers)

    def send_bytes(self, status: int, data: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, 10 * 1024 * 1024))

    # --- inbox (see the module docstring) ------------------------------------------------------------------
    def is_inbox(self) -> bool:
        path = self.path.split("?")[0]
        return path == INBOX or path.startswith(INBOX + "/")

    def inbox_post(self, data: "DataDir") -> None:
        body = self.read_body()
        try:
            payload = json.loads(body)
        except ValueError:
            return self.send_json(400, {"error": "the body is not JSON"})
        headers = {k.lower(): v for k, v in self.headers.items() if k.lower().startswith("webhook-")}
        message_id = headers.get("webhook-id", "")
        with data.lock:
            messages = data.read(INBOX_FILE, [])
            duplicate = bool(message_id) and any(m["id"] == message_id for m in messages)
            if not duplicate:
                messages.append({"id": message_id, "path": self.path, "received_at": time.time(),
                                 "headers": headers, "payload": payload})  # fmt: skip
                data.write(INBOX_FILE, messages[-INBOX_KEEP:])
        return self.send_json(200, {"received": True, "duplicate": duplicate})

    def inbox_get(self, data: "DataDir") -> None:
        return self.send_json(200, {"messages": data.read(INBOX_FILE, [])})


INBOX, INBOX_FILE, INBOX_KEEP = "/inbox", "inbox.json", 1000


def serve(handler_class, args: argparse.Namespace, **state) -> None:
    server = ThreadingHTTPServer((args.host, args.port), handler_class)
    server.daemon_threads = True
    for name, value in state.items():
        setattr(server, name, value)
    print(f"listening on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
