"""Security events of access — API tokens created/revoked, two-factor enrolled/removed, sign-in lockouts — sent
as a signal for the ledger to record (apps.ledger.receivers; access sits below the ledger and cannot write to it).

    security_event.send(sender=…, kind="access.api_token_created", user=…, actor=…, payload={…}, outcome="ok")

Sent inside the transaction of the change (where there is one), so the ledger entry and the change commit
together. Payloads hold identifiers only (token prefix and name, device name), never a secret.
"""

from django.dispatch import Signal

API_TOKEN_CREATED, API_TOKEN_REVOKED = "access.api_token_created", "access.api_token_revoked"
TWO_FACTOR_ENROLLED, TWO_FACTOR_REMOVED = "access.two_factor_enrolled", "access.two_factor_removed"
LOGIN_LOCKED_OUT = "access.login_locked_out"

# kwargs: kind, user (the account concerned, or None when the user name matches no account), actor (a User or
# a name), payload (dict), outcome ("ok" | "rejected"), reason (str).
security_event = Signal()


def security_event_send(kind: str, *, user, actor=None, payload: dict | None = None, outcome: str = "ok",
                        reason: str = "") -> None:  # fmt: skip
    security_event.send(sender=kind.split(".", 1)[0], kind=kind, user=user, actor=actor if actor is not None else user,
                        payload=payload or {}, outcome=outcome, reason=reason)  # fmt: skip
