"""Webhook intake: verify, parse, store the document and the delivery id, enqueue processing on commit.

    webhook_receive(connector_slug=…, headers=…, body=…) -> IntakeAnswer(status, body)

Never raises for bad input: every refusal is an answer with a status and field-level errors. The raw
message is in the ledger (document_intake_store / document_intake_refuse) before the caller answers 2xx.
"""

import json
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from apps.connectors.services.secrets import webhook_receiver
from apps.documents.errors import SchemaError
from apps.documents.normalize.canonical import normalize_canonical
from apps.documents.services import document_intake, document_intake_refuse, document_intake_store
from apps.documents.webhooks import SignatureError, verify
from apps.sync.models import WebhookDelivery
from integration_console.sql import select_values

MAX_BODY = 1024 * 1024
TOLERANCE = 300


@dataclass(frozen=True)
class IntakeAnswer:
    status: int
    body: dict


def _refused(status: int, message: str, errors=None) -> IntakeAnswer:
    return IntakeAnswer(status, {"status": "refused", "message": message, **({"errors": errors} if errors else {})})


def webhook_receive(*, connector_slug: str, headers, body: bytes, now=None) -> IntakeAnswer:
    """Authenticate and store one webhook message. See the module docstring for the contract."""
    if len(body) > MAX_BODY:
        return _refused(413, f"The body is larger than {MAX_BODY // 1024} KB.")
    # The enabled connector and its accepted secrets, from a per-process cache (fresh within 5 s everywhere,
    # at once in this process; grace periods end to the second): see apps.connectors.services.secrets.
    connector, secrets = webhook_receiver(connector_slug)
    if connector is None:
        return _refused(404, "No enabled webhook connector has this address.")
    problem = _signature_problem(headers, body, secrets, now)
    if problem:
        return _refused(401, problem)
    webhook_id = headers.get("webhook-id", "")
    # A repeated webhook id is not looked up first: its delivery row breaks the unique constraint in the store's
    # transaction, which then rolls back whole (a round trip saved on every other delivery). A refusal asks
    # first, so a repeat is answered 200 whatever its body.
    try:
        raw = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        errors = [("", f"The body is not JSON: {error}")]
        return _refuse_schema(connector, webhook_id, body.decode("utf-8", "replace"), errors)
    try:
        # Numbers are read again as exact Decimals: a float would lose cents or be refused by the normalizer.
        canonical = normalize_canonical(json.loads(body, parse_float=Decimal))
    except SchemaError as error:
        return _refuse_schema(connector, webhook_id, raw, error.errors)
    return _store(connector, webhook_id, canonical, raw)


def _duplicate(webhook_id: str) -> IntakeAnswer:
    return IntakeAnswer(200, {"status": "duplicate", "webhook_id": webhook_id})


def _delivered(connector_slug: str, webhook_id: str) -> bool:
    """Whether this webhook id was already stored for the connector (the unique constraint's columns)."""
    return bool(select_values(WebhookDelivery, ["id"], connector=connector_slug, webhook_id=webhook_id))


def _signature_problem(headers, body, secrets, now) -> str:
    if not secrets:
        return "The connector has no webhook secret; nothing can be accepted."
    try:
        verify(headers, body, secrets, now=now if now is not None else time.time(), tolerance=TOLERANCE)
    except SignatureError as error:
        return str(error)
    return ""


def _refuse_schema(connector, webhook_id: str, raw, errors) -> IntakeAnswer:
    if _delivered(connector.slug, webhook_id):
        return _duplicate(webhook_id)
    document_intake_refuse(connector_slug=connector.slug, source_system=connector.adapter, raw_payload=raw,
                           errors=list(errors), actor=f"webhook:{connector.slug}")  # fmt: skip
    return _refused(422, "The document is not valid.", [{"field": p, "message": m} for p, m in errors])


def _store(connector, webhook_id: str, canonical, raw) -> IntakeAnswer:
    try:
        # Built before the transaction: on SQLite the next delivery waits for this one's commit, not its Python.
        intake = document_intake(canonical=canonical, connector_slug=connector.slug, source_system=connector.adapter,
                                 raw_payload=raw, actor=f"webhook:{connector.slug}",
                                 linked=[WebhookDelivery(connector=connector.slug, webhook_id=webhook_id)])  # fmt: skip
        with transaction.atomic():
            document, created = document_intake_store(intake)
            if created:
                transaction.on_commit(lambda: _enqueue(document))
    except IntegrityError:  # the webhook id is stored already (or a concurrent delivery of it just stored it)
        if _delivered(connector.slug, webhook_id):
            return _duplicate(webhook_id)
        raise
    except SchemaError as error:
        return _refuse_schema(connector, webhook_id, raw, error.errors)
    return IntakeAnswer(202 if created else 200, {"status": "accepted" if created else "duplicate",
                                                  "document": document.idempotency_key})  # fmt: skip


_brokers: dict = {}


def _broker():
    """One django-q broker per process and broker configuration: `async_task` would otherwise build a new one
    (with Redis: a new connection pool and TCP connection) for every webhook."""
    from django_q.brokers import get_broker
    from django_q.conf import Conf

    key = (Conf.CLUSTER_NAME, Conf.ORM, str(Conf.REDIS))
    if key not in _brokers:
        _brokers[key] = get_broker()
    return _brokers[key]


def _enqueue(document) -> None:
    # One pending prepare task per source, object type and entity: a burst of webhooks is a few tasks.
    from apps.sync.services.coalesce import prepare_enqueue

    prepare_enqueue(document, broker=_broker())
