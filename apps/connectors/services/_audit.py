"""Ledger entries of this app. Payloads carry metadata only (status, version, fingerprint), never a secret,
and avoid key names the redactor treats as secret ("credential…", "…token…") so the audit stays readable."""

from apps.ledger.services import ledger_append


def audit(*, actor, kind: str, obj, connector, changes: dict, reason: str = "", payload: dict | None = None):
    """An `audit` entry for a change of `obj` (a connector, credential or credential version)."""
    body = {
        "object": {"model": obj._meta.label_lower, "pk": str(obj.pk), "repr": str(obj)},
        "changes": changes,
        **(payload or {}),
    }
    return ledger_append(
        kind=kind,
        direction="audit",
        actor=actor,
        payload=body,
        connector=connector.slug,
        target_model=obj._meta.label_lower,
        target_id=str(obj.pk),
        reason=reason,
    )


def event(
    *,
    kind: str,
    connector,
    direction: str = "internal",
    outcome: str = "ok",
    actor=None,
    payload=None,
    reason: str = "",
):
    """A non-audit entry about a connector (connection test, authentication failure, expiry warning)."""
    return ledger_append(
        kind=kind,
        direction=direction,
        outcome=outcome,
        actor=actor,
        payload=payload or {},
        connector=connector.slug,
        target_model="connectors.connector",
        target_id=str(connector.pk),
        reason=reason,
    )
