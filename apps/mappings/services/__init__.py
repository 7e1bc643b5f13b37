"""Writes of mappings. Import from here: `from apps.mappings.services import mapping_version_approve`."""

from apps.mappings.services.approval import (
    mapping_version_activated,
    mapping_version_approve,
    mapping_version_reject,
    mapping_version_submit,
    mapping_version_withdraw,
)
from apps.mappings.services.checks import mapping_dangling_check, mapping_owner_resolver
from apps.mappings.services.drafts import (
    mapping_draft_configure,
    mapping_draft_discard,
    mapping_draft_open,
    mapping_draft_replace_rules,
    mapping_rule_add,
    mapping_rule_delete,
    mapping_rule_update,
    mapping_version_restore,
)
from apps.mappings.services.master import (
    master_data_refresh,
    master_data_refresh_execute,
    master_data_refresh_request,
)
from apps.mappings.services.sets import mapping_set_create, mapping_set_update

__all__ = [
    "mapping_dangling_check",
    "mapping_draft_configure",
    "mapping_draft_discard",
    "mapping_draft_open",
    "mapping_draft_replace_rules",
    "mapping_owner_resolver",
    "mapping_rule_add",
    "mapping_rule_delete",
    "mapping_rule_update",
    "mapping_set_create",
    "mapping_set_update",
    "mapping_version_activated",
    "mapping_version_approve",
    "mapping_version_reject",
    "mapping_version_restore",
    "mapping_version_submit",
    "mapping_version_withdraw",
    "master_data_refresh",
    "master_data_refresh_execute",
    "master_data_refresh_request",
]
