"""Signed outbound webhooks to an expense platform (Standard Webhooks, the convention our intake accepts).

A platform connector of adapter `generic_webhook` with a `base_url` receives what the console sends back —
reimbursement states and master data — at that URL, signed with the connector's active webhook secret (the
same shared secret it signs its own deliveries with). The message id is derived from the content's identity,
so a message resent after a crash carries the same `webhook-id` and the receiver can drop the repeat.

    channel = channel_for(connector)              # None when the connector cannot receive
    delivery = send(channel, event="reimbursement.status_changed", data={...}, msg_id="msg_…")
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

import httpx

from apps.documents.webhooks import sign

ADAPTERS = ("generic_webhook",)
USER_AGENT = "IntegrationConsole-Webhooks/1"


@dataclass(frozen=True)
class Channel:
    connector: str  # slug
    url: str
    timeout: float


@dataclass(frozen=True)
class Delivery:
    ok: bool
    status: int | None
    error: str = ""
    ms: int = 0


def channel_for(connector) -> Channel | None:
    """Where `connector` receives webhooks, or None (not a webhook platform, no URL, disabled)."""
    if connector is None or not connector.enabled or connector.adapter not in ADAPTERS or not connector.base_url:
        return None
    return Channel(
        connector=connector.slug, url=connector.base_url, timeout=float(connector.options.get("timeout", 10))
    )


def message_id(*parts) -> str:
    """A stable message id for the content identified by `parts` (same content → same id)."""
    return "msg_" + hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]


def body_of(event: str, data: dict, now: float) -> bytes:
    payload = {"type": event, "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)), "data": data}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def send(channel: Channel, *, event: str, data: dict, msg_id: str, client: httpx.Client | None = None) -> Delivery:
    """POST one signed message; never raises for a failure of the receiver (the Delivery says what happened).

    2xx is success. The secret is read for this call only and never appears in the result or in logs."""
    from apps.connectors.errors import CredentialUnavailable
    from apps.connectors.models import Connector
    from apps.connectors.services.secrets import credential_secret_for_use

    now = time.time()
    body = body_of(event, data, now)
    try:
        secret = credential_secret_for_use(Connector.objects.get(slug=channel.connector), "webhook_secret")
    except (CredentialUnavailable, Connector.DoesNotExist) as error:
        return Delivery(False, None, str(error)[:300])
    headers = {**sign(secret, msg_id, int(now), body), "content-type": "application/json", "user-agent": USER_AGENT}
    del secret
    started = time.perf_counter()
    try:
        if client is not None:
            response = client.post(channel.url, content=body, headers=headers, timeout=channel.timeout)
        else:
            response = httpx.post(channel.url, content=body, headers=headers, timeout=channel.timeout)
    except httpx.HTTPError as error:
        return Delivery(False, None, f"{type(error).__name__}: the platform did not answer", _ms(started))
    ok = 200 <= response.status_code < 300
    return Delivery(ok, response.status_code, "" if ok else f"The platform answered HTTP {response.status_code}.",
                    _ms(started))  # fmt: skip


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
