"""The mapping engine: pure functions from a canonical document and approved mapping versions to Odoo values.

context = MappingContext.build(versions, masters)   # once per batch (see mapping_context_load)
resolution = resolve(document, context)             # per document; no I/O
"""

from apps.mappings.engine.context import MappingContext, compile_pattern, normalize
from apps.mappings.engine.resolve import resolve
from apps.mappings.engine.types import (
    AUTO_MATCH_MODEL,
    CONDITION_KEYS,
    DIMENSION_TARGETS,
    MODEL_KINDS,
    Dimension,
    EntityMaster,
    Failure,
    FailureCategory,
    MasterItem,
    MatchKind,
    Resolution,
    ResolvedLine,
    RuleData,
    VersionData,
)

__all__ = [
    "AUTO_MATCH_MODEL",
    "CONDITION_KEYS",
    "DIMENSION_TARGETS",
    "MODEL_KINDS",
    "Dimension",
    "EntityMaster",
    "Failure",
    "FailureCategory",
    "MappingContext",
    "MasterItem",
    "MatchKind",
    "Resolution",
    "ResolvedLine",
    "RuleData",
    "VersionData",
    "compile_pattern",
    "normalize",
    "resolve",
]
