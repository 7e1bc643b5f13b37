"""Blast radius: which flows, schedules or other things depend on a connector (and so on its credentials).

Connectors sit below flows, so they cannot import them. Instead any app registers a provider, usually in its
AppConfig.ready():

    from apps.connectors.dependants import Dependant, register_dependants

    @register_dependants
    def flows_using(connector):
        return [Dependant(kind="flow", label=f.name, url=f.get_absolute_url(), detail=f.schedule_text)
                for f in Flow.objects.filter(Q(source=connector) | Q(target=connector))]

`connector_dependants(connector)` asks every provider (a provider that raises is skipped and logged, so a bug
elsewhere never hides the credential page) and returns the union, sorted by kind and label.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dependant:
    kind: str  # "flow", "schedule", …
    label: str
    url: str = ""
    detail: str = ""


_providers: list[Callable[[object], Iterable[Dependant]]] = []


def register_dependants(provider: Callable[[object], Iterable[Dependant]]):
    """Add a provider (idempotent; usable as a decorator)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister_dependants(provider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def connector_dependants(connector) -> list[Dependant]:
    found: list[Dependant] = []
    for provider in list(_providers):
        try:
            found.extend(provider(connector))
        except Exception:
            logger.exception("dependants provider %s failed for connector %s", provider, connector.slug)
    return sorted(set(found), key=lambda d: (d.kind, d.label))
