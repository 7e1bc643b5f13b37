"""Pages of the mappings app: thin callers of selectors and services (see the modules for each page)."""

from apps.mappings.views.fix import rule_new
from apps.mappings.views.master import master_data, master_data_refresh, target_search
from apps.mappings.views.rules import rule_add, rule_delete, rule_edit
from apps.mappings.views.sets import index, set_create, set_detail, set_draft_open
from apps.mappings.views.versions import (
    version_action,
    version_configure,
    version_detail,
    version_diff,
    version_export,
    version_import,
    version_preview,
)

__all__ = [
    "index",
    "master_data",
    "master_data_refresh",
    "rule_add",
    "rule_delete",
    "rule_edit",
    "rule_new",
    "set_create",
    "set_detail",
    "set_draft_open",
    "target_search",
    "version_action",
    "version_configure",
    "version_detail",
    "version_diff",
    "version_export",
    "version_import",
    "version_preview",
]
