"""The document state machine as data: which state may follow which, and where a re-drive restarts.

No database access: the pipeline, the worklist and the tests all ask `transition_allowed`.

    received → validated → mapped → posting → posted → confirmed → published
    any working state → held (a worklist item is open) / rejected / dead_letter

A held or dead-lettered document is re-driven from the stage that failed: it goes back to the state that
stage starts from (`STAGE_START`), never further.
"""

from django.db import models


class DocumentState(models.TextChoices):
    RECEIVED = "received", "Received"
    VALIDATED = "validated", "Validated"
    MAPPED = "mapped", "Mapped"
    POSTING = "posting", "Posting"
    POSTED = "posted", "Posted"
    CONFIRMED = "confirmed", "Confirmed"
    PUBLISHED = "published", "Published"
    HELD = "held", "Held"
    REJECTED = "rejected", "Rejected"
    DEAD_LETTER = "dead_letter", "Dead letter"


class Stage(models.TextChoices):
    """Pipeline stages; a document's `failed_stage` is one of these."""

    VALIDATE = "validate", "Validate"
    MAP = "map", "Map"
    POST = "post", "Post"
    CONFIRM = "confirm", "Confirm"
    PUBLISH = "publish", "Publish"


S = DocumentState
# The state a stage starts from: a re-drive after a failure in that stage goes back here.
STAGE_START = {
    Stage.VALIDATE: S.RECEIVED,
    Stage.MAP: S.VALIDATED,
    Stage.POST: S.MAPPED,
    Stage.CONFIRM: S.POSTED,
    Stage.PUBLISH: S.CONFIRMED,
}
FAILURE_STATES = frozenset({S.HELD, S.REJECTED, S.DEAD_LETTER})
TERMINAL_STATES = frozenset({S.PUBLISHED, S.REJECTED})

_FORWARD = {
    S.RECEIVED: {S.VALIDATED},
    S.VALIDATED: {S.MAPPED},
    S.MAPPED: {S.POSTING},
    # posting → mapped: a transient failure releases the claim so a retry can claim it again.
    S.POSTING: {S.POSTED, S.MAPPED},
    S.POSTED: {S.CONFIRMED},
    S.CONFIRMED: {S.PUBLISHED},
}
_CAN_FAIL = {S.RECEIVED, S.VALIDATED, S.MAPPED, S.POSTING, S.POSTED, S.CONFIRMED}

ALLOWED: dict[str, frozenset[str]] = {
    state: frozenset(_FORWARD.get(state, set()) | (FAILURE_STATES if state in _CAN_FAIL else set())) for state in S
}
# Out of a failure state: re-drive (checked against failed_stage below) or give up.
ALLOWED[S.HELD] = frozenset(set(STAGE_START.values()) | {S.REJECTED, S.DEAD_LETTER})
ALLOWED[S.DEAD_LETTER] = frozenset(set(STAGE_START.values()) | {S.REJECTED, S.HELD})
ALLOWED[S.REJECTED] = frozenset()
ALLOWED[S.PUBLISHED] = frozenset()


def transition_allowed(from_state: str, to_state: str, failed_stage: str = "") -> bool:
    """True when `from_state → to_state` is a legal move.

    Leaving `held`/`dead_letter` for a working state must restart the stage that failed (when it is known):
    a document held at `post` goes back to `mapped`, not straight to `posted`.
    """
    if to_state not in ALLOWED.get(from_state, frozenset()):
        return False
    if from_state in (S.HELD, S.DEAD_LETTER) and to_state not in FAILURE_STATES and failed_stage:
        return STAGE_START.get(failed_stage) == to_state
    return True
