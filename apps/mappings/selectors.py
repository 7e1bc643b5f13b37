"""Reads of mappings, always filtered by what the user may see (see apps.mappings.policies).

The pipeline's read (every approved version and the master-data cache, no user) is apps.mappings.loader.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from apps.access.permissions import ENTITY_SCOPE_PERM, entities_for
from apps.mappings import policies
from apps.mappings.engine import MODEL_KINDS
from apps.mappings.models import (
    MappingRule,
    MappingSet,
    MappingSetVersion,
    MappingSetVersionStatus,
    MasterDataRefresh,
    MasterRecord,
)


def _visible_sets(user, perm: str = policies.VIEW) -> QuerySet:
    sets = MappingSet.objects.select_related("entity", "owner", "steward_group")
    if not user or not user.is_authenticated or not user.is_active:
        return sets.none()
    if user.is_superuser or (user.has_perm(perm) and user.has_perm(ENTITY_SCOPE_PERM)):
        return sets
    granted = get_objects_for_user(user, perm, klass=MappingSet, accept_global_perms=False)
    scope = Q(pk__in=granted.values("pk"))
    if user.has_perm(perm):
        scope |= Q(entity__in=entities_for(user).values("pk"))
    return sets.filter(scope)


def mapping_set_list(user, *, entity=None, dimension="", owner=None, status="") -> QuerySet:
    """Sets the user may see; `status` keeps sets having a version in that status (e.g. pending_approval)."""
    sets = _visible_sets(user)
    if entity:
        sets = sets.filter(entity=entity)
    if dimension:
        sets = sets.filter(dimension=dimension)
    if owner:
        sets = sets.filter(owner=owner)
    if status:
        sets = sets.filter(Exists(MappingSetVersion.objects.filter(mapping_set=OuterRef("pk"), status=status)))
    return sets.order_by("entity__code", "dimension")


def mapping_set_get(user, pk) -> MappingSet:
    """Raises MappingSet.DoesNotExist when it does not exist or the user may not see it."""
    return _visible_sets(user).get(pk=pk)


def mapping_version_list(mapping_set: MappingSet) -> QuerySet:
    return mapping_set.versions.select_related("author", "submitted_by", "approver", "rejected_by").order_by("-number")


def mapping_version_get(user, pk) -> MappingSetVersion:
    """Raises MappingSetVersion.DoesNotExist when it does not exist or the user may not see its set."""
    return (
        MappingSetVersion.objects.select_related("mapping_set__entity", "mapping_set__owner", "author", "approver")
        .filter(mapping_set__in=_visible_sets(user))
        .get(pk=pk)
    )


def mapping_rule_get(user, pk) -> MappingRule:
    return (
        MappingRule.objects.select_related("version__mapping_set__entity")
        .filter(version__mapping_set__in=_visible_sets(user))
        .get(pk=pk)
    )


def version_status_map(sets) -> dict[int, dict[str, int]]:
    """Set id → {status: version number} of the active and open versions, for list pages (one query)."""
    found: dict[int, dict[str, int]] = {}
    rows = MappingSetVersion.objects.filter(
        mapping_set__in=[s.pk for s in sets],
        status__in=[
            MappingSetVersionStatus.ACTIVE,
            MappingSetVersionStatus.DRAFT,
            MappingSetVersionStatus.PENDING_APPROVAL,
        ],
    ).values_list("mapping_set_id", "status", "number")
    for set_id, status, number in rows:
        found.setdefault(set_id, {})[status] = number
    return found


# --- master data ---------------------------------------------------------------------------------------
def master_record_search(user, *, entity, model: str, query: str = "", limit: int = 20) -> QuerySet:
    """Active cached records of `entity` for an Odoo model, matching `query` in name or code (pickers)."""
    if not policies.may_view_master(user, entity) or model not in MODEL_KINDS:
        return MasterRecord.objects.none()
    records = MasterRecord.objects.filter(entity=entity, kind=MODEL_KINDS[model], active=True)
    query = (query or "").replace("\x00", "").strip()  # PostgreSQL cannot compare a text holding NUL (500)
    if query:
        match = Q(name__icontains=query) | Q(code__icontains=query)
        if query.isdecimal():
            match |= Q(odoo_id=int(query))
        records = records.filter(match)
    return records.order_by("name", "odoo_id")[:limit]


def master_record_list(user, *, entity, kind: str = "", query: str = "", include_archived=False) -> QuerySet:
    if not policies.may_view_master(user, entity):
        return MasterRecord.objects.none()
    records = MasterRecord.objects.filter(entity=entity)
    if kind:
        records = records.filter(kind=kind)
    if not include_archived:
        records = records.filter(active=True)
    if query:
        records = records.filter(Q(name__icontains=query) | Q(code__icontains=query))
    return records.order_by("kind", "name", "odoo_id")


def master_entities_for(user) -> QuerySet:
    """Entities whose cache the user may browse: in their scope, or served by a connector they manage."""
    from apps.connectors.models import Connector
    from apps.entities.models import LegalEntity

    if not user or not user.is_authenticated or not user.has_perm(policies.VIEW_MASTER):
        return LegalEntity.objects.none()
    managed = get_objects_for_user(user, "connectors.change_connector", klass=Connector, accept_global_perms=False)
    in_scope = Q(pk__in=entities_for(user).values("pk"))
    if user.has_perm(policies.REFRESH):
        in_scope |= Q(connectors__in=managed)
    return LegalEntity.objects.filter(in_scope, active=True).distinct().order_by("code")


def master_refresh_list(user, *, entity=None) -> QuerySet:
    runs = MasterDataRefresh.objects.select_related("entity", "requested_by")
    if entity is not None:
        runs = runs.filter(entity=entity)
    if not user.has_perm("mappings.view_masterdatarefresh"):
        return runs.none()
    return runs
