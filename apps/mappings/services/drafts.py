"""Editing: every change to a set's rules happens in its one draft version, never in an approved one."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.access.permissions import AccessDenied
from apps.mappings import policies
from apps.mappings.diff import rules_diff
from apps.mappings.engine import MODEL_KINDS
from apps.mappings.errors import MappingError
from apps.mappings.models import (
    OPEN_STATUSES,
    MappingRule,
    MappingSet,
    MappingSetVersion,
    MappingSetVersionStatus,
    MasterRecord,
)
from apps.mappings.rule_input import FIELDS, parse_rule
from apps.mappings.services._common import (
    active_version,
    audit,
    lock_set,
    locked_version,
    next_number,
    require_edit,
    rules_of,
)
from apps.mappings.services.approval import mapping_version_submit
from apps.mappings.validation import rules_validate

Status = MappingSetVersionStatus


@transaction.atomic
def mapping_draft_open(*, mapping_set: MappingSet, actor) -> MappingSetVersion:
    """The set's draft: the existing one, or a new one copying the active version (or the latest one).

    Idempotent. Permission: `change_mappingset` on the set. Raises MappingError while a version waits for
    approval (withdraw it first: one version in the works at a time).
    """
    if not policies.may(actor, policies.CHANGE, mapping_set):
        raise AccessDenied(f"You may not edit the mapping set {mapping_set}.")
    mapping_set = lock_set(mapping_set)
    current = mapping_set.versions.filter(status__in=OPEN_STATUSES).first()
    if current is not None and current.status == Status.DRAFT:
        return current
    if current is not None:
        raise MappingError(
            f"Version {current.number} is waiting for approval: withdraw it, or wait for the decision, "
            "before opening a new draft."
        )
    base = active_version(mapping_set) or mapping_set.versions.order_by("-number").first()
    return _copy_into_draft(mapping_set, base, actor, action="draft_opened")


@transaction.atomic
def mapping_version_restore(*, version: MappingSetVersion, actor) -> MappingSetVersion:
    """A new draft holding exactly the rules (and auto-match flag) of `version` — any past version.

    Permission: `change_mappingset`. Raises MappingError when a draft or a pending version exists already.
    The restored draft goes through submit and approval like any other.
    """
    mapping_set = version.mapping_set
    if not policies.may(actor, policies.CHANGE, mapping_set):
        raise AccessDenied(f"You may not edit the mapping set {mapping_set}.")
    mapping_set = lock_set(mapping_set)
    current = mapping_set.versions.filter(status__in=OPEN_STATUSES).first()
    if current is not None:
        raise MappingError(
            f"Version {current.number} is still {current.get_status_display().lower()}: submit, withdraw or "
            "discard it before restoring another version."
        )
    return _copy_into_draft(mapping_set, version, actor, action="restored")


def _copy_into_draft(mapping_set, base, actor, *, action: str) -> MappingSetVersion:
    draft = MappingSetVersion.objects.create(
        mapping_set=mapping_set,
        number=next_number(mapping_set),
        status=Status.DRAFT,
        author=actor,
        based_on=base,
        auto_match=bool(base and base.auto_match),
    )
    if base is not None:
        MappingRule.objects.bulk_create(
            MappingRule(version=draft, **{k: getattr(r, k) for k in _RULE_FIELDS})
            for r in base.rules.order_by("position", "id")
        )
    active = active_version(mapping_set)
    changes = {
        "version": draft.number,
        "based_on": base.number if base else None,
        "rules": rules_diff(rules_of(active) if active else [], rules_of(draft)),
    }
    audit(actor=actor, action=action, obj=draft, changes=changes)
    return draft


_RULE_FIELDS = ("position", *FIELDS)


def _checked_rule(version: MappingSetVersion, raw: dict, *, replacing: MappingRule | None = None) -> dict:
    """Parse and validate one rule against the draft's other rules and the master-data cache."""
    mapping_set = version.mapping_set
    rule, errors = parse_rule(raw)
    if errors:
        raise MappingError("The rule was not saved.", fields=errors)
    others = [r for r in version.rules.order_by("position", "id") if replacing is None or r.pk != replacing.pk]
    candidates = [{**o.as_dict(), "effective_from": o.effective_from, "effective_to": o.effective_to} for o in others]
    problems = rules_validate(mapping_set.entity, mapping_set.dimension, [*candidates, rule]).get(len(others))
    if problems:
        raise MappingError("The rule was not saved.", fields=problems)
    if not rule["target_name"]:
        rule["target_name"] = _cached_name(mapping_set.entity, rule["target_model"], rule["target_id"])
    return rule


def _cached_name(entity, model: str, odoo_id: int) -> str:
    found = MasterRecord.objects.filter(entity=entity, kind=MODEL_KINDS.get(model, ""), odoo_id=odoo_id).first()
    return found.name if found else ""


@transaction.atomic
def mapping_rule_add(*, version: MappingSetVersion, actor, reason: str = "", **raw) -> MappingRule:
    """Add a rule to a draft (fields as in apps.mappings.rule_input). Raises MappingError with field errors.

    `reason` (optional here) goes into the audit entry."""
    version = locked_version(version)
    require_edit(actor, version)
    rule = _checked_rule(version, raw)
    position = (version.rules.aggregate(top=Max("position"))["top"] or 0) + 1
    created = MappingRule.objects.create(version=version, position=position, **rule)
    _touched(version, actor, "rule_added", {"added": [created.as_dict()]}, reason=reason)
    return created


@transaction.atomic
def mapping_rule_propose(*, mapping_set: MappingSet, actor, reason: str, submit: bool = True, **raw):
    """Fix-and-retry from the worklist: add one rule to the set's draft (opened when there is none), with the
    maker's reason, and — when `submit` — send the draft for approval. All or nothing: a refused rule or a
    refused submission leaves no draft, rule or submission behind. Returns (draft version, rule).

    Permission: `change_mappingset` on the set (the draft and submit services check it too). Raises
    MappingError without a reason (field `reason`), for an invalid rule (field errors) or while another
    version waits for approval.
    """
    reason = (reason or "").strip()
    if not policies.may(actor, policies.CHANGE, mapping_set):
        raise AccessDenied(f"You may not edit the mapping set {mapping_set}.")
    if not reason:
        raise MappingError("The rule was not saved.", fields={"reason": "Say why this rule is needed."})
    draft = mapping_draft_open(mapping_set=mapping_set, actor=actor)
    rule = mapping_rule_add(version=draft, actor=actor, reason=reason, **raw)
    if submit:
        draft = mapping_version_submit(version=draft, actor=actor, reason=reason)
    return draft, rule


@transaction.atomic
def mapping_rule_update(*, rule: MappingRule, actor, **raw) -> MappingRule:
    """Change a draft's rule; the fields not given keep their value."""
    version = locked_version(rule.version)
    require_edit(actor, version)
    rule = MappingRule.objects.get(pk=rule.pk)
    before = rule.as_dict()
    merged = {**before, "effective_from": rule.effective_from, "effective_to": rule.effective_to, **raw}
    if "target_id" in raw and "target_name" not in raw:
        merged["target_name"] = ""  # a new target gets its name from the cache
    for field, value in _checked_rule(version, merged, replacing=rule).items():
        setattr(rule, field, value)
    rule.save()
    after = rule.as_dict()
    _touched(version, actor, "rule_changed", {k: [before[k], after[k]] for k in after if before[k] != after[k]})
    return rule


@transaction.atomic
def mapping_rule_delete(*, rule: MappingRule, actor) -> None:
    version = locked_version(rule.version)
    require_edit(actor, version)
    removed = rule.as_dict()
    MappingRule.objects.filter(pk=rule.pk).delete()
    _touched(version, actor, "rule_removed", {"removed": [removed]})


@transaction.atomic
def mapping_draft_configure(*, version: MappingSetVersion, actor, auto_match=None, effective_from=...):
    """Set the draft's auto-match flag and/or the date from which it applies (None: every document date)."""
    version = locked_version(version)
    require_edit(actor, version)
    changes = {}
    if auto_match is not None and bool(auto_match) != version.auto_match:
        changes["auto_match"] = [version.auto_match, bool(auto_match)]
        version.auto_match = bool(auto_match)
    if effective_from is not ... and effective_from != version.effective_from:
        changes["effective_from"] = [_iso(version.effective_from), _iso(effective_from)]
        version.effective_from = effective_from
    if changes:
        version.save()
        _touched(version, actor, "draft_configured", changes)
    return version


@transaction.atomic
def mapping_draft_replace_rules(*, version: MappingSetVersion, actor, rules: list[dict], source: str) -> int:
    """Replace all rules of a draft with already-validated rule dicts (the import path). Returns the count."""
    version = locked_version(version)
    require_edit(actor, version)
    before = rules_of(version)
    version.rules.all().delete()
    MappingRule.objects.bulk_create(
        MappingRule(version=version, position=index + 1, **{k: v for k, v in rule.items() if k != "position"})
        for index, rule in enumerate(rules)
    )
    _touched(version, actor, "rules_imported", {"source": source, "rules": rules_diff(before, rules_of(version))})
    return len(rules)


@transaction.atomic
def mapping_draft_discard(*, version: MappingSetVersion, actor, reason: str = "") -> None:
    """Delete a draft that will not be submitted; its content stays in the audit entry."""
    version = locked_version(version)
    require_edit(actor, version)
    changes = {"version": version.number, "rules": rules_of(version), "auto_match": version.auto_match}
    audit(actor=actor, action="draft_discarded", obj=version.mapping_set, changes=changes, reason=reason)
    version.rules.all().delete()
    version.contributors.clear()
    version.delete()


def _touched(version: MappingSetVersion, actor, action: str, changes: dict, reason: str = "") -> None:
    """Every editor becomes a maker of the version (so none of them may approve it), and it is audited."""
    version.contributors.add(actor)
    MappingSetVersion.objects.filter(pk=version.pk).update(updated_at=timezone.now())
    audit(actor=actor, action=action, obj=version, changes=changes, reason=reason)


def _iso(value):
    return value.isoformat() if value else None
