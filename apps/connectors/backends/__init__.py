"""Registry of connector backends: adapter name → backend instance.

`get_backend(name)` raises `UnknownAdapter`; `register(backend_class)` adds one (the expense-platform intake
may register more adapters from its own module with the same decorator).
"""

from __future__ import annotations

from apps.connectors.backends.base import Backend, Option, result

_REGISTRY: dict[str, Backend] = {}


class UnknownAdapter(KeyError):
    pass


def register(backend_class: type[Backend]) -> type[Backend]:
    _REGISTRY[backend_class.name] = backend_class()
    return backend_class


def get_backend(name: str) -> Backend:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownAdapter(name) from None


def adapter_choices() -> list[tuple[str, str]]:
    return [(name, backend.label) for name, backend in sorted(_REGISTRY.items())]


def all_sensitive_parameters() -> frozenset[str]:
    names: set[str] = set()
    for backend in _REGISTRY.values():
        names |= backend.sensitive_parameters
    return frozenset(names)


def redact_options(options):
    """`options` with the values of secret-looking or adapter-sensitive keys replaced (for re-displayed forms)."""
    from apps.ledger.redaction import REDACTED, redact

    if not isinstance(options, dict):
        return options
    sensitive = all_sensitive_parameters()
    return {k: REDACTED if str(k).lower() in sensitive else v for k, v in redact(options).items()}


# Built-in adapters register themselves on import.
from apps.connectors.backends import (  # noqa: E402
    expense,
    files,
    odoo,
    webhook,
)

__all__ = [
    "Backend",
    "Option",
    "UnknownAdapter",
    "adapter_choices",
    "all_sensitive_parameters",
    "expense",
    "files",
    "get_backend",
    "odoo",
    "redact_options",
    "register",
    "result",
    "webhook",
]
