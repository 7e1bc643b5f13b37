"""The Odoo gateway of a target connector, cached per process and thread."""

import contextlib
import hashlib
import threading

from apps.connectors.backends import get_backend
from apps.connectors.odoo import OdooGateway
from apps.connectors.services.secrets import credential_secret_for_use

_cache: dict[tuple, OdooGateway] = {}
_lock = threading.Lock()


def gateway_for(connector) -> OdooGateway:
    """A gateway for `connector`'s current configuration and secret, reused across batches of this process and
    thread (connections kept alive, version read once). It counts its own server calls (`call_count`): a
    caller that wants the calls of one piece of work takes the difference around it."""
    secret = credential_secret_for_use(connector)
    fingerprint = hashlib.sha256(secret.encode()).hexdigest()[:16]
    key = (connector.pk, connector.base_url, connector.database, connector.protocol, str(connector.options),
           fingerprint, threading.get_ident())  # fmt: skip
    with _lock:
        gateway = _cache.get(key)
        if gateway is None:
            gateway = OdooGateway(get_backend(connector.adapter).config(connector, secret))
            _cache[key] = gateway
    return gateway


def forget_gateways() -> None:
    """Drop cached gateways (tests that restart a sandbox on another port)."""
    with _lock:
        for gateway in _cache.values():
            with contextlib.suppress(Exception):  # closing a dead socket must not fail the caller
                gateway.close()
        _cache.clear()
