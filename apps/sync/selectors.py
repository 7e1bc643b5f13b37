"""Reads of flows and runs, always filtered by permission."""

from django.shortcuts import get_object_or_404

from apps.access.permissions import visible
from apps.sync.models import Flow, SyncRun


def flow_list(user):
    return visible(Flow.objects.select_related("source", "target"), user, "sync.view_flow")


def flow_get(user, slug: str) -> Flow:
    return get_object_or_404(flow_list(user), slug=slug)


def run_get(user, pk: int) -> SyncRun:
    flows = flow_list(user).values("pk")
    return get_object_or_404(SyncRun.objects.select_related("flow").filter(flow__in=flows), pk=pk)


def active_mapping_versions(flow: Flow, user) -> list[dict]:
    """Active mapping versions of the flow's entities that `user` may see: the "through which mapping set" of
    the field map (a flow may serve entities outside the user's scope; their sets stay out of sight)."""
    from apps.mappings.models import MappingSetVersion
    from apps.mappings.selectors import mapping_set_list

    entities = list(flow.entities.values_list("pk", flat=True))
    versions = MappingSetVersion.objects.filter(status="active", mapping_set__in=mapping_set_list(user).values("pk"))
    versions = versions.select_related("mapping_set__entity")
    if entities:
        versions = versions.filter(mapping_set__entity__in=entities)
    return [{"entity": v.mapping_set.entity.code, "dimension": v.mapping_set.dimension,
             "set": v.mapping_set.name, "version": v.number} for v in versions]  # fmt: skip
