"""Maker-checker: submit (maker) → approve or reject (a different checker) → atomic activation.

Nobody who authored, edited or submitted a version may approve or reject it — not a superuser, not through the
API, not through the admin (which is read-only for mappings). The rule lives here, in the only code that can
change a version's status, so every entry point inherits it.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from apps.access.permissions import AccessDenied
from apps.ledger.services import ledger_append
from apps.mappings import policies
from apps.mappings.diff import diff_is_empty, diff_summary, rules_diff
from apps.mappings.errors import MappingError
from apps.mappings.models import MappingSetVersion, MappingSetVersionStatus
from apps.mappings.services._common import active_version, audit, locked_version, rules_of
from apps.mappings.validation import version_problems

Status = MappingSetVersionStatus

# Sent after the activation commits: the pipeline re-drives documents held for mapping reasons.
# kwargs: version (MappingSetVersion), mapping_set, entity_code, dimension.
mapping_version_activated = Signal()


@transaction.atomic
def mapping_version_submit(*, version: MappingSetVersion, actor, reason: str) -> MappingSetVersion:
    """Draft → pending approval, with the maker's reason.

    Refused (MappingError) without a reason, when a rule is flagged by validation against the master-data
    cache (`rule_errors` says which and why), or when the draft changes nothing. Permission: change on the set.
    """
    version = locked_version(version)
    if not policies.may(actor, policies.CHANGE, version.mapping_set):
        raise AccessDenied(f"You may not submit changes to {version.mapping_set}.")
    if version.status != Status.DRAFT:
        raise MappingError(f"Version {version.number} is {version.get_status_display().lower()}, not a draft.")
    if not (reason or "").strip():
        raise MappingError("Say why this change is needed.", fields={"reason": "A reason is required."})
    problems = version_problems(version)
    if problems:
        raise MappingError(
            f"{len(problems)} rule(s) are invalid against Odoo master data: fix or remove them, then submit.",
            rule_errors=problems,
        )
    diff = _diff_to_active(version)
    active = active_version(version.mapping_set)
    if active is not None and diff_is_empty(diff["rules"]) and len(diff) == 1:
        raise MappingError("This draft is identical to the active version: there is nothing to approve.")
    version.status, version.submitted_by, version.submitted_at = Status.PENDING_APPROVAL, actor, timezone.now()
    version.submit_reason = reason.strip()
    version.save()
    audit(actor=actor, action="submitted", obj=version, changes=diff, reason=version.submit_reason)
    return version


@transaction.atomic
def mapping_version_withdraw(*, version: MappingSetVersion, actor, reason: str = "") -> MappingSetVersion:
    """Pending approval → draft again (the maker wants to change something). Permission: change on the set."""
    version = locked_version(version)
    if not policies.may(actor, policies.CHANGE, version.mapping_set):
        raise AccessDenied(f"You may not change {version.mapping_set}.")
    if version.status != Status.PENDING_APPROVAL:
        raise MappingError(f"Version {version.number} is not waiting for approval.")
    version.status, version.submitted_at = Status.DRAFT, None
    version.save()
    audit(
        actor=actor, action="withdrawn", obj=version, changes={"status": ["pending_approval", "draft"]}, reason=reason
    )
    return version


def _require_checker(actor, version: MappingSetVersion, verb: str) -> None:
    if not policies.may(actor, policies.APPROVE, version.mapping_set):
        raise AccessDenied(f"You may not {verb} versions of {version.mapping_set}.")
    if actor.pk in policies.makers(version):
        raise AccessDenied(
            f"You authored, edited or submitted version {version.number}: another approver must {verb} it "
            "(maker-checker)."
        )
    if version.status != Status.PENDING_APPROVAL:
        raise MappingError(f"Version {version.number} is {version.get_status_display().lower()}, not pending.")


@transaction.atomic
def mapping_version_approve(*, version: MappingSetVersion, actor, note: str = "") -> MappingSetVersion:
    """Pending → active, atomically: the previous active version is retired in the same transaction.

    Permission: `approve_mappingset` on the set (per-set grant, or the capability within the entity), and the
    approver is none of the version's makers. The rules are re-validated against the cache (it may have changed
    since submission). Documents processed after the commit use the new version for dates from its
    `effective_from` on (None: every date); documents already processed keep what they were mapped with.
    """
    version = locked_version(version)
    _require_checker(actor, version, "approve")
    problems = version_problems(version)
    if problems:
        raise MappingError(
            f"{len(problems)} rule(s) became invalid since submission (Odoo master data changed): reject the "
            "version so its author can fix them.",
            rule_errors=problems,
        )
    diff = _diff_to_active(version)
    now = timezone.now()
    previous = _retire_active(version, actor, now)
    version.status, version.approver, version.approved_at = Status.ACTIVE, actor, now
    version.approval_note, version.activated_at = (note or "").strip(), now
    version.save()
    diff["retired"] = previous.number if previous else None
    audit(actor=actor, action="approved", obj=version, changes=diff, reason=version.approval_note)
    _ledger_activation(version, actor, diff)
    transaction.on_commit(lambda: _announce(version))
    return version


def _retire_active(version: MappingSetVersion, actor, now) -> MappingSetVersion | None:
    previous = active_version(version.mapping_set)
    if previous is None:
        return None
    previous.status, previous.retired_at = Status.RETIRED, now
    # Informational: from when the successor takes over (selection is by activation order, see selectors).
    previous.effective_to = version.effective_from or timezone.localdate()
    previous.save()
    audit(
        actor=actor,
        action="retired",
        obj=previous,
        changes={"status": ["active", "retired"], "superseded_by": version.number},
    )
    return previous


def _ledger_activation(version: MappingSetVersion, actor, diff: dict) -> None:
    mapping_set = version.mapping_set
    ledger_append(
        kind="mapping.version_activated",
        direction="internal",
        actor=actor,
        entity=mapping_set.entity.code,
        target_model="mappings.mappingsetversion",
        target_id=str(version.pk),
        payload={
            "mapping_set": mapping_set.pk,
            "dimension": mapping_set.dimension,
            "version": version.number,
            "effective_from": version.effective_from.isoformat() if version.effective_from else None,
            "summary": diff_summary(diff["rules"]),
        },
    )


def _announce(version: MappingSetVersion) -> None:
    from django_q.tasks import async_task

    async_task(
        "apps.mappings.tasks.mapping_version_followup_task",
        version.pk,
        version.approver_id,
        task_name=f"mapping-followup-{version.pk}",
    )
    mapping_set = version.mapping_set
    mapping_version_activated.send(
        sender=MappingSetVersion,
        version=version,
        mapping_set=mapping_set,
        entity_code=mapping_set.entity.code,
        dimension=mapping_set.dimension,
    )


@transaction.atomic
def mapping_version_reject(*, version: MappingSetVersion, actor, reason: str) -> MappingSetVersion:
    """Pending → rejected, with the checker's reason (required). Same permission and maker-checker as approve.

    A rejected version stays as it was; its author restores it into a new draft to rework it.
    """
    version = locked_version(version)
    _require_checker(actor, version, "reject")
    if not (reason or "").strip():
        raise MappingError("Say why the change is rejected.", fields={"reason": "A reason is required."})
    version.status, version.rejected_by, version.rejected_at = Status.REJECTED, actor, timezone.now()
    version.rejected_reason = reason.strip()
    version.save()
    audit(
        actor=actor,
        action="rejected",
        obj=version,
        changes={"status": ["pending_approval", "rejected"]},
        reason=version.rejected_reason,
    )
    return version


def _diff_to_active(version: MappingSetVersion) -> dict:
    active = active_version(version.mapping_set)
    diff: dict = {"rules": rules_diff(rules_of(active) if active else [], rules_of(version))}
    if active is None or active.auto_match != version.auto_match:
        diff["auto_match"] = [active.auto_match if active else None, version.auto_match]
    if active is None or active.effective_from != version.effective_from:
        diff["effective_from"] = [
            active.effective_from.isoformat() if active and active.effective_from else None,
            version.effective_from.isoformat() if version.effective_from else None,
        ]
    return diff
