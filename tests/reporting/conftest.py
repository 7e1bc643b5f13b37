"""Fixtures for the reporting suite: the sync suite's sandbox-backed posting set-up, a loopback webhook receiver
that checks Standard Webhooks signatures, and posted documents.

    DATABASES                       # pass to pytest.mark.django_db(databases=…): default (+ reporting when set)
    receiver                        # .url, .messages (verified), .refused, .status (answer to give)
    posted(count=3, lines=…)        # Setup with `count` documents posted to the sandbox (journal entries)
    published_report(id, lines)     # a report received, marked posted (no Odoo) and published to the store
    published_fr                    # one such FR report, one merchant written like a formula
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings

from apps.documents.webhooks import SignatureError, verify
from tests.sync import helpers
from tests.sync.conftest import inline_tasks, posting_setup, sandboxes  # noqa: F401  (fixtures re-used here)

# (`posting_setup` is both imported and requested below: pytest resolves the fixture by name.)

DATABASES = ["default", "reporting"] if "reporting" in settings.DATABASES else ["default"]


class Receiver:
    """A platform's webhook endpoint on 127.0.0.1: verifies every signature, answers `status`."""

    def __init__(self, secret: str):
        self.secret, self.status = secret, 200
        self.messages: list[dict] = []
        self.refused: list[str] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    msg_id = verify(dict(self.headers.items()), body, [receiver.secret], now=time.time())
                    status = receiver.status
                    if status == 200:
                        with receiver.lock:
                            receiver.messages.append({"id": msg_id, **json.loads(body)})
                except SignatureError as error:
                    receiver.refused.append(str(error))
                    status = 401
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks/console"

    def of_type(self, event: str) -> list[dict]:
        return [m for m in self.messages if m["type"] == event]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    item = Receiver(helpers.WEBHOOK_SECRET)
    yield item
    item.close()


def report_lines(source_id: str, amounts=("42.50", "21.00"), **extra) -> list[dict]:
    projects = ["PRJ-ALPHA", "PRJ-BETA"]
    return [helpers.line(f"{source_id}-{n}", amount=amount, project=projects[(n - 1) % 2], **extra)
            for n, amount in enumerate(amounts, start=1)]  # fmt: skip


@pytest.fixture
def posted(posting_setup, receiver):  # noqa: F811
    """posted(count=3, emails=[…], version=17) → (Setup, [documents]) posted as journal entries on entity FR; the
    platform connector sends its webhooks to `receiver`."""

    def build(count: int = 3, *, emails=None, version: int = 17, amounts=("42.50", "21.00"), **flow_fields):
        setup = posting_setup(version=version, **flow_fields)
        setup.source.base_url = receiver.url
        setup.source.save(update_fields=["base_url"])
        emails = emails or ["simon.taylor@example.com", "someone@example.com"]
        documents = []
        for n in range(count):
            raw = helpers.report(f"R-{n + 1:03d}", email=emails[n % len(emails)],
                                 lines=report_lines(f"R-{n + 1:03d}", amounts, merchant=f"Merchant {n}"))  # fmt: skip
            documents.append(helpers.receive(setup, raw))
        helpers.run(setup)
        for document in documents:
            document.refresh_from_db()
            assert document.state == "posted", document.state_reason
        return setup, documents

    return build


def published_report(source_id: str, lines: list[dict]):
    """A report received through the real intake, marked posted (no Odoo needed) and published to the store."""
    from django.utils import timezone

    from apps.documents.models import Document
    from apps.documents.normalize.canonical import normalize_canonical
    from apps.documents.services import document_receive
    from apps.reporting.services.publication import publish_changes

    raw = helpers.report(source_id, lines=lines)
    document, _ = document_receive(canonical=normalize_canonical(raw), connector_slug="platform",
                                   source_system="generic", raw_payload=raw, actor="test")  # fmt: skip
    Document.objects.filter(pk=document.pk).update(state="posted", odoo_model="account.move", odoo_ids=[7],
                                                   posted_at=timezone.now())  # fmt: skip
    publish_changes()
    return document


@pytest.fixture
def published_fr(entities):
    """One FR report marked posted and published, one merchant written like a formula."""
    return published_report("R-EX1", [helpers.line("L1", amount="10.00"),
                                      helpers.line("L2", amount="5.50", merchant="=cmd|' /C calc'!A0")])  # fmt: skip
