"""Reading Odoo for reporting (payment states, reconciliation): the gateway of the entity's Odoo connector,
with the calls, time and errors counted for the run that made them (the dashboard and /metrics show them).

Only reads go through here; nothing in the reporting app writes to Odoo.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from apps.connectors.odoo import OdooAuthError, OdooGateway, OdooValidationError, TransientOdooError


@dataclass
class OdooStats:
    calls: int = 0
    seconds: float = 0.0
    errors: Counter = field(default_factory=Counter)

    @property
    def ms(self) -> int:
        return int(self.seconds * 1000)


def error_class(error: Exception) -> str:
    if isinstance(error, TransientOdooError):
        return "transient"
    if isinstance(error, OdooAuthError):
        return "auth"
    if isinstance(error, OdooValidationError):
        return "validation"
    return "unknown"


class CountedGateway:
    """search_read / read / search_read_all of an OdooGateway, timed and counted into `stats`."""

    def __init__(self, gateway: OdooGateway, stats: OdooStats):
        self.gateway, self.stats = gateway, stats

    @property
    def profile(self):
        return self.gateway.profile

    def _call(self, method: str, *args, **kw):
        started = time.perf_counter()
        self.stats.calls += 1
        try:
            return getattr(self.gateway, method)(*args, **kw)
        except Exception as error:
            self.stats.errors[error_class(error)] += 1
            raise
        finally:
            self.stats.seconds += time.perf_counter() - started

    def search_read(self, model, domain, fields, **kw) -> list[dict]:
        return self._call("search_read", model, domain, fields, **kw)

    def read(self, model, ids, fields, **kw) -> list[dict]:
        return self._call("read", model, ids, fields, **kw)

    def fields(self, model: str) -> set[str]:
        return set(self._call("execute", model, "fields_get", [], {"attributes": ["type"]}))

    def pages(self, model, domain, fields, *, page_size: int = 2000, context=None):
        """Pages ordered by id until a short page; one call per page (keyset on id: no deep OFFSET)."""
        last = 0
        while True:
            page = self.search_read(model, [["id", ">", last], *domain], fields, limit=page_size, order="id",
                                    context=context)  # fmt: skip
            if page:
                yield page
                last = page[-1]["id"]
            if len(page) < page_size:
                return

    def close(self) -> None:
        self.gateway.close()


def odoo_connector(entity):
    """The enabled Odoo connector serving `entity`, or None (the same choice the master-data refresh makes)."""
    from apps.mappings.gateway import odoo_connector_for

    return odoo_connector_for(entity)


def gateway_for(connector, stats: OdooStats) -> CountedGateway:
    """A fresh gateway for `connector` with its active secret (decrypted for this use only, never kept).

    Raises apps.connectors.errors.CredentialUnavailable when the connector has no active secret."""
    from apps.connectors.backends import get_backend
    from apps.connectors.services.secrets import credential_secret_for_use

    secret = credential_secret_for_use(connector)
    return CountedGateway(OdooGateway(get_backend(connector.adapter).config(connector, secret)), stats)
