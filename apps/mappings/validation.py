"""Is a rule sound? Checked against the master-data cache (never Odoo live) when editing, importing,
submitting, approving and every day for active versions.

A rule is flagged when its target model does not fit the dimension, its pattern or conditions are malformed,
its dates are reversed, or its target is missing from the entity's cache, archived in Odoo, or belongs to
another company. `res.partner` (vendors) is not cached: such targets cannot be checked and are not flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from apps.mappings.engine import CONDITION_KEYS, DIMENSION_TARGETS, MODEL_KINDS, MatchKind, compile_pattern, normalize
from apps.mappings.models import MappingRule, MasterRecord


@dataclass(frozen=True)
class CachedTarget:
    name: str
    active: bool
    company_id: int | None


class TargetLookup:
    """Cached Odoo records of one entity (and where else an id lives), loaded in two queries."""

    def __init__(self, entity, pairs: set[tuple[str, int]]):
        self.entity = entity
        kinds = {MODEL_KINDS[m] for m, _ in pairs if m in MODEL_KINDS}
        ids = {i for _, i in pairs}
        rows = MasterRecord.objects.filter(kind__in=kinds, odoo_id__in=ids).values_list(
            "entity_id", "entity__code", "kind", "odoo_id", "name", "active", "company_id"
        )
        self.own: dict[tuple[str, int], CachedTarget] = {}
        self.elsewhere: dict[tuple[str, int], str] = {}
        for entity_id, code, kind, odoo_id, name, active, company_id in rows:
            if entity_id == entity.pk:
                self.own[(kind, odoo_id)] = CachedTarget(name, active, company_id)
            else:
                self.elsewhere.setdefault((kind, odoo_id), code)

    def problem(self, model: str, odoo_id: int) -> str:
        kind = MODEL_KINDS.get(model)
        if kind is None:
            return ""  # not cached (res.partner): cannot be checked
        found = self.own.get((kind, odoo_id))
        company = self.entity.odoo_company_id
        if found is None:
            other = self.elsewhere.get((kind, odoo_id))
            if other:
                return f"{model} {odoo_id} belongs to another company ({other}), not {self.entity.code}."
            return (
                f"{model} {odoo_id} does not exist in {self.entity.code}'s Odoo master data "
                "(refresh master data if it was created just now)."
            )
        if not found.active:
            return f"{model} {odoo_id} ({found.name}) is archived in Odoo."
        if found.company_id and company and found.company_id != company:
            return f"{model} {odoo_id} ({found.name}) belongs to Odoo company {found.company_id}, not {company}."
        return ""


def shape_problems(dimension: str, rule: dict) -> dict[str, str]:
    """Field → problem for the parts of a rule that need no cache (pure)."""
    problems: dict[str, str] = {}
    if not normalize(rule.get("source_value", "")):
        problems["source_value"] = "Enter the value the expense platform sends."
    elif rule.get("match") == MatchKind.PATTERN:
        try:
            compile_pattern(rule["source_value"])
        except ValueError as exc:
            problems["source_value"] = str(exc)
    elif rule.get("match") != MatchKind.EXACT:
        problems["match"] = "Match must be 'exact' or 'pattern'."
    allowed = DIMENSION_TARGETS.get(dimension, ())
    if rule.get("target_model") not in allowed:
        problems["target_model"] = f"A {dimension} rule targets {' or '.join(allowed)}."
    conditions = rule.get("conditions") or {}
    if not isinstance(conditions, dict):
        problems["conditions"] = 'Conditions must be an object such as {"document_type": "card_transaction"}.'
    else:
        unknown = sorted(set(conditions) - set(CONDITION_KEYS))
        bad_values = [k for k, v in conditions.items() if not _condition_value_ok(v)]
        if unknown:
            problems["conditions"] = f"Unknown condition {', '.join(unknown)}; use {', '.join(CONDITION_KEYS)}."
        elif bad_values:
            problems["conditions"] = f"Condition {bad_values[0]} needs a text value or a list of texts."
    start, end = rule.get("effective_from"), rule.get("effective_to")
    if isinstance(start, date) and isinstance(end, date) and end <= start:
        problems["effective_to"] = "The end date must be after the start date."
    return problems


def _condition_value_ok(value) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v.strip() for v in value)


def duplicate_problems(rules: list[dict]) -> dict[int, str]:
    """Index → problem for rules that repeat an earlier rule's value and conditions (the engine could not choose)."""
    seen: dict[tuple, int] = {}
    problems = {}
    for index, rule in enumerate(rules):
        key = (
            rule.get("match"),
            normalize(rule.get("source_value", "")),
            tuple(sorted((k, str(v)) for k, v in (rule.get("conditions") or {}).items())),
            rule.get("effective_from"),
            rule.get("effective_to"),
        )
        if key in seen:
            problems[index] = f"Same value and conditions as rule #{seen[key] + 1}: keep one of them."
        else:
            seen[key] = index
    return problems


def rules_validate(entity, dimension: str, rules: list[dict]) -> dict[int, dict[str, str]]:
    """Index → {field: problem} for every flawed rule of a list of rule dicts (empty dict: all sound)."""
    pairs = {(r.get("target_model", ""), r.get("target_id") or 0) for r in rules}
    lookup = TargetLookup(entity, pairs)
    duplicates = duplicate_problems(rules)
    found: dict[int, dict[str, str]] = {}
    for index, rule in enumerate(rules):
        problems = shape_problems(dimension, rule)
        if "target_model" not in problems:
            target = lookup.problem(rule["target_model"], rule.get("target_id") or 0)
            if target:
                problems["target_id"] = target
        if index in duplicates:
            problems.setdefault("source_value", duplicates[index])
        if problems:
            found[index] = problems
    return found


def version_problems(version) -> dict[int, dict[str, str]]:
    """Rule id → {field: problem} for the rules of a stored version."""
    rules = list(MappingRule.objects.filter(version=version).order_by("position", "id"))
    found = rules_validate(version.mapping_set.entity, version.mapping_set.dimension, [_as_input(r) for r in rules])
    return {rules[index].pk: problems for index, problems in found.items()}


def _as_input(rule: MappingRule) -> dict:
    data = rule.as_dict()
    data["effective_from"], data["effective_to"] = rule.effective_from, rule.effective_to
    return data
