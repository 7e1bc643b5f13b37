"""Who changes access, and why: the context every role or permission grant/revoke must run in.

A grant or revoke (role = group membership, model permission, guardian object permission, superuser flag) is
recorded as a ledger `audit` entry with the actor and a mandatory reason. Access sits below the ledger, so it
cannot write entries itself; instead:
- the access services (`apps.access.services`, `apps.access.permissions.grant/revoke`) and the admin run their
  changes inside `access_change(reason=…, actor=…)`;
- `apps.ledger.receivers` watches the rows that hold access (User.groups, User.user_permissions, guardian's
  object permission tables) and the `access_changed` signal below, refuses a change made outside any
  `access_change` (AccessReasonRequired, nothing written), and appends the entry in the same transaction.

So the shell and management commands are covered too:

    with access_change(reason="Ticket 1234: Alice joins the auditors"):
        alice.groups.add(Group.objects.get(name="auditor"))

is recorded with actor "shell:<os user>"; the same line without the `with` is refused.
"""

from __future__ import annotations

import getpass
import os
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.dispatch import Signal

# Sent for access changes that no access row records (superuser/staff/active flags), inside an access_change:
# sender = the user's class; kwargs: user, changes ({field: [old, new]}).
access_changed = Signal()


class AccessReasonRequired(ValidationError):
    """A role or permission change without a reason: refused before anything is written."""

    def __init__(self, message: str):
        super().__init__({"reason": [message]})
        self.text = message

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class AccessChange:
    actor: object  # a User, a service-account name, or a "shell:<os user>"-style name
    reason: str


_current: ContextVar[AccessChange | None] = ContextVar("access_change", default=None)


def default_actor() -> str:
    """The actor outside a request: 'shell:<os user>' in `manage.py shell`, '<command>:<os user>' in another
    management command, 'process:<os user>' otherwise (scripts, workers without a named service account)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name (containers without passwd entries)
        user = str(os.getuid())
    program = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if program in ("manage.py", "django-admin", "django-admin.py") and len(sys.argv) > 1:
        command = sys.argv[1]
        return f"shell:{user}" if command in ("shell", "shell_plus", "dbshell") else f"{command}:{user}"
    return f"process:{user}"


@contextmanager
def access_change(*, reason: str, actor=None):
    """State the reason (mandatory) and the actor for every access change made inside the block.

    actor: a User or a service-account name; omitted → the enclosing block's actor, else default_actor().
    Raises AccessReasonRequired when the reason is empty.
    """
    text = (reason or "").strip()
    if not text:
        raise AccessReasonRequired("Give a reason for this role or permission change.")
    outer = _current.get()
    if actor is None:
        actor = outer.actor if outer is not None else default_actor()
    token = _current.set(AccessChange(actor=actor, reason=text))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def current_change() -> AccessChange | None:
    return _current.get()


def required_change(what: str) -> AccessChange:
    """The enclosing access_change, or AccessReasonRequired naming `what` was about to change."""
    change = _current.get()
    if change is None:
        raise AccessReasonRequired(
            f"{what} needs a reason: pass reason=… to the access service, or make the change inside "
            '`with apps.access.signals.access_change(reason="…"):`.'
        )
    return change
