"""The permission questions of mappings, answered in one place (services, selectors and views all ask here).

A user may do X with a mapping set when they hold the permission on that set (a per-set guardian grant: owner,
steward group, designated approver — or a superuser), or hold it as a role capability AND the set's legal
entity is in their scope. Holding a capability never reaches entities outside one's scope.
"""

from apps.access.permissions import in_entity_scope

VIEW = "mappings.view_mappingset"
ADD = "mappings.add_mappingset"
CHANGE = "mappings.change_mappingset"
APPROVE = "mappings.approve_mappingset"
REFRESH = "mappings.refresh_masterrecord"
VIEW_MASTER = "mappings.view_masterrecord"


def _active(user) -> bool:
    return bool(user) and user.is_authenticated and user.is_active


def may(user, perm: str, mapping_set) -> bool:
    """True when `user` holds `perm` on this set (per-set grant) or as a capability within its entity."""
    if not _active(user):
        return False
    if user.has_perm(perm, mapping_set):
        return True
    return user.has_perm(perm) and in_entity_scope(user, mapping_set.entity)


def may_create_in(user, entity) -> bool:
    return _active(user) and user.has_perm(ADD) and in_entity_scope(user, entity)


def may_refresh(user, entity) -> bool:
    """Refresh an entity's cache: the capability plus the entity in scope (finance) or a connector of it (IT)."""
    if not _active(user) or not user.has_perm(REFRESH):
        return False
    if in_entity_scope(user, entity):
        return True
    from apps.connectors.models import Connector

    return any(user.has_perm("connectors.change_connector", c) for c in Connector.objects.filter(entities=entity))


def may_view_master(user, entity) -> bool:
    return _active(user) and user.has_perm(VIEW_MASTER) and (in_entity_scope(user, entity) or may_refresh(user, entity))


def makers(version) -> set[int]:
    """Ids of everyone who shaped this version: author, submitter and every editor (none of them may approve)."""
    ids = {version.author_id, version.submitted_by_id}
    ids.update(version.contributors.values_list("pk", flat=True))
    return {i for i in ids if i is not None}
