"""The pipeline's read of mappings: approved versions and the master-data cache, as an engine context.

A batch loads its context once (`mapping_context_load`). Approved versions never change, so their indexes are
kept per process and reused by later batches: only versions approved since are read and indexed again. An
entity's cache index is reused while its record count, active count and last change are the same.
No user and no permission: the pipeline acts for the system; pages use apps.mappings.selectors.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.db.models import Count, Max, Q
from django.utils import timezone

from apps.mappings.engine import EntityMaster, MappingContext, MasterItem, RuleData, VersionData
from apps.mappings.engine.context import MasterIndex, VersionIndex
from apps.mappings.models import APPROVED_STATUSES, MappingRule, MappingSetVersion, MasterRecord

RULE_FIELDS = (
    "id",
    "source_value",
    "target_model",
    "target_id",
    "target_name",
    "match",
    "conditions",
    "effective_from",
    "effective_to",
    "position",
)


class _Indexes:
    """A small thread-safe LRU of built indexes."""

    def __init__(self, size: int = 1024):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


CACHE = _Indexes()


def version_data(version: MappingSetVersion, rules: list[RuleData], *, activated_at=None) -> VersionData:
    """The engine's view of a version. The end of an approved version is implied by later activations."""
    return VersionData(
        set_id=version.mapping_set_id,
        version_id=version.pk,
        number=version.number,
        entity=version.mapping_set.entity.code,
        dimension=version.mapping_set.dimension,
        rules=tuple(rules),
        auto_match=version.auto_match,
        effective_from=version.effective_from,
        activated_at=activated_at or version.activated_at,
    )


def _rules_by_version(versions) -> dict[int, list[RuleData]]:
    rules: dict[int, list[RuleData]] = {v.pk: [] for v in versions}
    if versions:
        for row in MappingRule.objects.filter(version__in=[v.pk for v in versions]).values("version_id", *RULE_FIELDS):
            rules[row.pop("version_id")].append(RuleData(**row))
    return rules


def _approved(entities):
    versions = MappingSetVersion.objects.filter(status__in=APPROVED_STATUSES).select_related("mapping_set__entity")
    if entities is not None:
        versions = versions.filter(mapping_set__entity__code__in=entities)
    return list(versions)


def approved_versions(entities: list[str] | None = None) -> list[VersionData]:
    """Every active or retired version (with rules) of the given entity codes (None: all entities)."""
    versions = _approved(entities)
    rules = _rules_by_version(versions)
    return [version_data(v, rules[v.pk]) for v in versions]


def _version_indexes(entities) -> list[VersionIndex]:
    versions = _approved(entities)
    keyed = {v.pk: ("version", v.pk, v.activated_at, v.effective_from, v.auto_match) for v in versions}
    found = {v.pk: CACHE.get(keyed[v.pk]) for v in versions}
    missing = [v for v in versions if found[v.pk] is None]
    rules = _rules_by_version(missing)
    for version in missing:
        found[version.pk] = VersionIndex.build(version_data(version, rules[version.pk]))
        CACHE.put(keyed[version.pk], found[version.pk])
    return [found[v.pk] for v in versions]


def entity_masters(entities: list[str] | None = None) -> list[EntityMaster]:
    """The master-data cache of the given entity codes, as the engine needs it (no process cache)."""
    return [_entity_master(entity) for entity in _entities(entities)]


def _entities(codes):
    from apps.entities.models import LegalEntity

    return list(LegalEntity.objects.all() if codes is None else LegalEntity.objects.filter(code__in=codes))


def _entity_master(entity) -> EntityMaster:
    rows = (
        MasterRecord.objects.filter(entity=entity)
        .exclude(kind="companies")
        .values_list("kind", "odoo_id", "name", "code", "active", "company_id", "data")
    )
    return EntityMaster(
        entity=entity.code, company_id=entity.odoo_company_id, items=tuple(MasterItem(*r) for r in rows)
    )


def _master_indexes(entities) -> list[MasterIndex]:
    scope = _entities(entities)
    stats = {
        row["entity_id"]: (row["n"], row["active"], row["last"])
        for row in MasterRecord.objects.filter(entity__in=scope)
        .values("entity_id")
        .annotate(n=Count("pk"), active=Count("pk", filter=Q(active=True)), last=Max("changed_at"))
    }
    indexes = []
    for entity in scope:
        key = ("master", entity.pk, entity.code, entity.odoo_company_id, stats.get(entity.pk))
        index = CACHE.get(key)
        if index is None:
            index = MasterIndex.build(_entity_master(entity))
            CACHE.put(key, index)
        indexes.append(index)
    return indexes


def mapping_context_load(entities: list[str] | None = None, *, candidate: MappingSetVersion | None = None):
    """The engine context for a batch: approved versions + master data (a handful of queries in total).

    `candidate` (a pending version) is added as if approved now — what the impact preview compares with.
    """
    indexes = [i for i in _version_indexes(entities) if candidate is None or i.version.version_id != candidate.pk]
    if candidate is not None:
        rules = _rules_by_version([candidate])[candidate.pk]
        indexes.append(VersionIndex.build(version_data(candidate, rules, activated_at=timezone.now())))
    return MappingContext.from_indexes(indexes, _master_indexes(entities))
