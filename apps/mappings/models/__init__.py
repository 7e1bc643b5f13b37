from apps.mappings.models.mapping import (
    APPROVED_STATUSES,
    OPEN_STATUSES,
    MappingDimension,
    MappingRule,
    MappingRuleMatch,
    MappingSet,
    MappingSetVersion,
    MappingSetVersionStatus,
)
from apps.mappings.models.master import MasterDataRefresh, MasterDataRefreshStatus, MasterKind, MasterRecord

__all__ = [
    "APPROVED_STATUSES",
    "OPEN_STATUSES",
    "MappingDimension",
    "MappingRule",
    "MappingRuleMatch",
    "MappingSet",
    "MappingSetVersion",
    "MappingSetVersionStatus",
    "MasterDataRefresh",
    "MasterDataRefreshStatus",
    "MasterKind",
    "MasterRecord",
]
