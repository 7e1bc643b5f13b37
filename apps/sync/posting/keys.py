"""External ids derived from idempotency keys (pure)."""

import hashlib
import re

MODULE = "integration_console"
_UNSAFE = re.compile(r"[^A-Za-z0-9_]+")


def external_name(key: str) -> str:
    """A valid, stable `ir.model.data` name for an idempotency key.

    Odoo names allow letters, digits and `_`; the sanitised key keeps it readable and a digest of the exact
    key keeps two keys that sanitise alike apart (`R-1` and `R_1`).
    """
    readable = _UNSAFE.sub("_", key).strip("_")[:80]
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return f"{readable}_{digest}"


def reversal_key(key: str) -> str:
    """The idempotency key of the reversal of the entry posted under `key`."""
    return f"{key}:reversal"


def line_key(key: str, line_id: str) -> str:
    """The key of one expense line (hr.expense) of a document."""
    return f"{key}:{line_id}"
