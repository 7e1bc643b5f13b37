"""In-memory indexes built once per batch: rules by exact value, compiled patterns, master data by id/key.

`MappingContext.build(versions, masters)` takes plain data (see `types`) and does all the indexing up front,
so resolving a line is dictionary look-ups plus, for values without an exact rule, a few pattern matches
among the patterns sharing the value's first character. Results per (version, value, facts) are memoised:
the same category or tax code repeats on many lines of a batch.
"""

from __future__ import annotations

import fnmatch
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from apps.mappings.engine.types import (
    AUTO_MATCH_MODEL,
    MODEL_KINDS,
    EntityMaster,
    MasterItem,
    MatchKind,
    RuleData,
    VersionData,
)

WILDCARDS = "*?["


def normalize(value: str) -> str:
    """How source values compare: surrounding blanks ignored, case-insensitive."""
    return str(value or "").strip().casefold()


def compile_pattern(pattern: str) -> re.Pattern:
    """A glob (`*`, `?`, `[abc]`) as a compiled, case-insensitive, whole-value regex. Raises ValueError."""
    text = normalize(pattern)
    if not text:
        raise ValueError("A pattern cannot be empty.")
    if not any(ch in text for ch in WILDCARDS):
        raise ValueError("A pattern needs a wildcard (* or ?); use an exact rule for a plain value.")
    if text.strip("*?") == "":
        raise ValueError("A pattern must contain at least one literal character (a catch-all hides mistakes).")
    if text.count("[") != text.count("]"):
        raise ValueError("Unbalanced [ ] in the pattern: [abc] means one of a, b or c.")
    return re.compile(fnmatch.translate(text))


@lru_cache(maxsize=65536)
def _glob_regex(text: str) -> re.Pattern:
    return re.compile(fnmatch.translate(text))


def glob_match(pattern: str, value: str) -> bool:
    """Does the normalized `value` match the normalized glob? `*`-only globs (the usual kind) are matched by
    plain string operations; `?` and `[...]` go through a compiled regex, cached per process."""
    if "?" in pattern or "[" in pattern:
        return _glob_regex(pattern).match(value) is not None
    first, *middle, last = pattern.split("*")
    if not value.startswith(first) or not value.endswith(last) or len(value) < len(first) + len(last):
        return False
    position, end = len(first), len(value) - len(last)
    for part in middle:
        found = value.find(part, position, end)
        if found < 0:
            return False
        position = found + len(part)
    return True


def _literal_prefix(text: str) -> str:
    for index, ch in enumerate(text):
        if ch in WILDCARDS:
            return text[:index]
    return text


def conditions_hold(conditions, facts: dict) -> bool:
    """Every condition key matches the fact (a value or a list of accepted values, case-insensitive)."""
    for key, wanted in conditions.items():
        accepted = wanted if isinstance(wanted, list | tuple) else [wanted]
        if normalize(facts.get(key, "")) not in {normalize(v) for v in accepted}:
            return False
    return True


def in_range(start: date | None, end: date | None, on: date | None) -> bool:
    """[start, end) with None meaning open; no date (on=None) is inside every range."""
    if on is None:
        return True
    return (start is None or start <= on) and (end is None or on < end)


@dataclass
class VersionIndex:
    """The rules of one approved version, indexed for look-up.

    Exact rules: a dict by normalized value. Patterns: grouped by their literal prefix (the text before the
    first wildcard), so a value only meets the patterns whose prefix it starts with — one dict probe per
    prefix length of the value, whatever the number of patterns. Patterns compile on first use.
    """

    version: VersionData
    exact: dict[str, list[RuleData]] = field(default_factory=dict)
    patterns: dict[str, list[tuple[int, str, RuleData]]] = field(default_factory=dict)
    prefix_lengths: tuple[int, ...] = ()
    dated_rules: bool = False
    conditional: bool = False

    @classmethod
    def build(cls, version: VersionData) -> VersionIndex:
        index = cls(version=version)
        exact: dict[str, list[RuleData]] = defaultdict(list)
        patterns: dict[str, list] = defaultdict(list)
        for order, rule in enumerate(sorted(version.rules, key=lambda r: (r.position, r.id))):
            index.dated_rules |= rule.effective_from is not None or rule.effective_to is not None
            index.conditional |= bool(rule.conditions)
            text = normalize(rule.source_value)
            if rule.match == MatchKind.PATTERN:
                patterns[_literal_prefix(text)].append((order, text, rule))
            else:
                exact[text].append(rule)
        # Among exact rules for one value, the most specific (most conditions) wins, then the position.
        index.exact = {k: sorted(v, key=lambda r: (-len(r.conditions), r.position, r.id)) for k, v in exact.items()}
        index.patterns = dict(patterns)
        index.prefix_lengths = tuple(sorted({len(prefix) for prefix in patterns}))
        return index

    def _pattern_candidates(self, value: str) -> list[tuple[int, str, RuleData]]:
        found = []
        for length in self.prefix_lengths:
            if length > len(value):
                break
            found.extend(self.patterns.get(value[:length], ()))
        return sorted(found, key=lambda c: c[0]) if len(found) > 1 else found

    def lookup(self, value: str, facts: dict, on: date | None) -> RuleData | None:
        """The rule that maps `value` (normalized) under these facts on that date, or None."""
        for rule in self.exact.get(value, ()):
            if in_range(rule.effective_from, rule.effective_to, on) and conditions_hold(rule.conditions, facts):
                return rule
        if not value or not self.patterns:
            return None
        for _order, text, rule in self._pattern_candidates(value):
            dated_ok = in_range(rule.effective_from, rule.effective_to, on)
            if dated_ok and glob_match(text, value) and conditions_hold(rule.conditions, facts):
                return rule
        return None


@dataclass
class MasterIndex:
    """One entity's cached Odoo records: by (model, id), by key for auto-matching, plus derived links."""

    entity: str
    company_id: int | None
    records: dict[tuple[str, int], MasterItem] = field(default_factory=dict)
    by_code: dict[tuple[str, str], int] = field(default_factory=dict)  # (model, normalized code) → active id

    @classmethod
    def build(cls, master: EntityMaster) -> MasterIndex:
        index = cls(entity=master.entity, company_id=master.company_id)
        model_of = {kind: model for model, kind in MODEL_KINDS.items()}
        for item in master.items:
            model = model_of.get(item.kind)
            if model is None:
                continue
            index.records[(model, item.odoo_id)] = item
            if item.active and item.code:
                index.by_code.setdefault((model, normalize(item.code)), item.odoo_id)
        return index

    def get(self, model: str, odoo_id: int | None) -> MasterItem | None:
        return self.records.get((model, odoo_id)) if odoo_id is not None else None

    def auto_match(self, dimension: str, value: str) -> int | None:
        model = AUTO_MATCH_MODEL.get(dimension)
        return self.by_code.get((model, value)) if model else None


def _activation_order(index: VersionIndex) -> tuple[float, int]:
    activated = index.version.activated_at
    return (activated.timestamp() if activated else float("-inf"), index.version.version_id)


@dataclass
class MappingContext:
    """Everything `resolve` needs for a batch. Build once; reuse for every document of the batch."""

    versions: dict[tuple[str, str], list[VersionIndex]]
    masters: dict[str, MasterIndex]
    memo: dict = field(default_factory=dict)

    @classmethod
    def build(cls, versions: list[VersionData], masters: list[EntityMaster]) -> MappingContext:
        return cls.from_indexes([VersionIndex.build(v) for v in versions], [MasterIndex.build(m) for m in masters])

    @classmethod
    def from_indexes(cls, versions: list[VersionIndex], masters: list[MasterIndex]) -> MappingContext:
        """A context over indexes built earlier (they are read-only, so contexts may share them)."""
        grouped: dict[tuple[str, str], list[VersionIndex]] = defaultdict(list)
        for index in versions:
            grouped[(index.version.entity, str(index.version.dimension))].append(index)
        for indexes in grouped.values():
            # Latest activation first: when ranges overlap (a restored version), the newer decision wins.
            indexes.sort(key=_activation_order, reverse=True)
        return cls(versions=dict(grouped), masters={m.entity: m for m in masters})

    def version_for(self, entity: str, dimension: str, on: date | None) -> VersionIndex | None:
        """The version of the entity's set for that dimension in force on date `on` (memoised)."""
        key = ("version", entity, dimension, on)
        if key in self.memo:
            return self.memo[key]
        found = None
        for index in self.versions.get((entity, str(dimension)), ()):
            if in_range(index.version.effective_from, index.version.effective_to, on):
                found = index
                break
        self.memo[key] = found
        return found

    def master(self, entity: str) -> MasterIndex:
        return self.masters.get(entity) or MasterIndex(entity=entity, company_id=None)
