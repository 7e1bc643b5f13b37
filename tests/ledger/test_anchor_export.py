"""Anchors are POSTed to LEDGER_ANCHOR_URL (signed), failures retried and shown, never dropped; verify_ledger
reads anchors back from a file or a URL. Against a real HTTP server on loopback."""

import base64
import hashlib
import hmac
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from apps.ledger.anchoring import anchor_exports_deliver, ledger_anchor, load_anchors
from apps.ledger.models import LedgerEntry
from apps.ledger.services import ledger_append

pytestmark = pytest.mark.django_db
SECRET = "whsec_" + base64.b64encode(b"anchor-test-key-0123456789abcdef").decode()


class AnchorStore:
    """A tiny anchor receiver: POST stores the body (after `failures` 503s), GET lists what it stored."""

    def __init__(self):
        self.received, self.headers, self.failures, self.requests = [], [], 0, 0
        store = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                store.requests += 1
                body = self.rfile.read(int(self.headers["content-length"]))
                if store.failures:
                    store.failures -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                store.received.append(json.loads(body))
                store.headers.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def do_GET(self):
                data = json.dumps(store.received).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/anchors?token=abc"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def store(settings, tmp_path):
    receiver = AnchorStore()
    settings.LEDGER_ANCHOR_DIR = tmp_path
    settings.LEDGER_ANCHOR_URL = receiver.url
    settings.LEDGER_ANCHOR_SECRET = SECRET
    settings.LEDGER_ANCHOR_BACKOFF = 0
    settings.LEDGER_ANCHOR_RETRIES = 2
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def anchor(capture):
    with capture(execute=True):
        return ledger_anchor(actor="test")


def exports():
    return list(LedgerEntry.objects.filter(kind="ledger.anchor_exported").order_by("sequence"))


def test_anchor_is_posted_signed_and_recorded(store, django_capture_on_commit_callbacks):
    head = ledger_append(kind="k.1", direction="inbound")
    entry = anchor(django_capture_on_commit_callbacks)
    (body,) = store.received
    assert body["type"] == "ledger.anchored"
    assert body["data"] == {
        **body["data"],
        "sequence": head.sequence,
        "hash": head.hash,
        "anchor_entry": entry.sequence,
    }
    headers, raw = store.headers[0]
    headers = {k.lower(): v for k, v in headers.items()}
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + raw
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}" and headers["webhook-id"] == f"anchor_{entry.sequence}"
    (exported,) = exports()
    assert exported.outcome == "ok" and exported.target_id == str(entry.sequence)
    assert "token" not in exported.payload_row.body and SECRET not in exported.payload_row.body


def test_transient_failures_are_retried_then_succeed(store, django_capture_on_commit_callbacks):
    store.failures = 2  # two 503s, then accepted: within the 1 + 2 retries
    anchor(django_capture_on_commit_callbacks)
    assert len(store.received) == 1 and store.requests == 3
    assert [e.outcome for e in exports()] == ["ok"]


def test_a_failed_delivery_is_recorded_shown_and_delivered_at_the_next_run(
    store, django_capture_on_commit_callbacks, client_for, auditor
):
    store.failures = 100
    first = anchor(django_capture_on_commit_callbacks)
    (failed,) = exports()
    assert failed.outcome == "failed" and "HTTP 503" in failed.payload_row.body and store.requests == 3
    page = client_for(auditor).get(reverse("ledger:index")).content.decode()
    assert 'data-testid="ledger-anchor-export"' in page and "failing" in page and "1 anchor(s) not delivered" in page
    assert "token=abc" not in page
    store.failures = 0
    second = anchor(django_capture_on_commit_callbacks)  # the next day's anchoring sends both, in order
    assert [b["data"]["anchor_entry"] for b in store.received] == [first.sequence, second.sequence]
    assert [e.outcome for e in exports()] == ["failed", "ok", "ok"]
    assert anchor_exports_deliver() == []  # nothing left over
    assert "delivered" in client_for(auditor).get(reverse("ledger:index")).content.decode()


def test_an_unreachable_url_is_a_recorded_failure_not_an_exception(store, settings, django_capture_on_commit_callbacks):
    settings.LEDGER_ANCHOR_URL = "http://127.0.0.1:9/nowhere"  # discard port: connection refused
    anchor(django_capture_on_commit_callbacks)
    (failed,) = exports()
    assert failed.outcome == "failed" and "ConnectError" in failed.payload_row.body


def test_malformed_secret_is_a_recorded_failure(store, settings, django_capture_on_commit_callbacks):
    settings.LEDGER_ANCHOR_SECRET = "not-a-whsec"
    anchor(django_capture_on_commit_callbacks)
    (failed,) = exports()
    assert failed.outcome == "failed" and "whsec_" in failed.payload_row.body and not store.received


def test_verify_ledger_reads_anchors_from_the_url_and_from_the_file(
    store, tmp_path, django_capture_on_commit_callbacks
):
    ledger_append(kind="k.1", direction="inbound")
    anchor(django_capture_on_commit_callbacks)
    assert load_anchors(store.url) == load_anchors(tmp_path / "anchors.jsonl")
    for source in (store.url, str(tmp_path / "anchors.jsonl")):
        out = io.StringIO()
        call_command("verify_ledger", "--anchors", source, "--no-record", stdout=out)
        assert "1 anchors match" in out.getvalue()


def test_unreachable_anchor_url_is_a_clear_command_error(settings):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match=r"cannot fetch anchors from http://127\.0\.0\.1:9/x: ConnectError") as error:
        call_command("verify_ledger", "--anchors", "http://127.0.0.1:9/x?token=secret", "--no-record")
    assert "secret" not in str(error.value)


def test_without_a_url_only_the_file_is_written(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.LEDGER_ANCHOR_DIR, settings.LEDGER_ANCHOR_URL = tmp_path, ""
    anchor(django_capture_on_commit_callbacks)
    assert (tmp_path / "anchors.jsonl").exists() and not exports()


@pytest.mark.parametrize(
    ("url", "secret", "ids"),
    [
        ("ftp://x/anchors", "", ["ledger.E001"]),
        ("https://x/anchors", "plain-secret", ["ledger.E002"]),
        ("https://x/anchors", "whsec_not*base64", ["ledger.E002"]),
        ("https://x/anchors", SECRET, []),
    ],
)
def test_bad_anchor_settings_fail_the_system_check(settings, url, secret, ids):
    from apps.ledger.checks import anchor_export_settings

    settings.LEDGER_ANCHOR_URL, settings.LEDGER_ANCHOR_SECRET = url, secret
    assert [error.id for error in anchor_export_settings()] == ids


def test_daily_task_with_a_broken_chain_still_delivers_earlier_anchors(store, django_capture_on_commit_callbacks):
    from apps.ledger import triggers
    from apps.ledger.operations import ledger_daily

    store.failures = 100
    ledger_append(kind="k.1", direction="inbound")
    first = anchor(django_capture_on_commit_callbacks)
    store.failures = 0
    triggers.uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_ledgerentry SET kind = 'forged' WHERE sequence = 1")
    assert not ledger_daily().ok
    assert [b["data"]["anchor_entry"] for b in store.received] == [first.sequence]
