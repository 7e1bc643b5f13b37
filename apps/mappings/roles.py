"""Who may do what with mappings (capabilities; scope is the set's legal entity or a per-set grant).

- finance_controller: creates sets, edits drafts and submits them for the entities they hold
  `entities.access_entity_data` on; approves or rejects versions of those entities' sets — never their own
  (maker-checker is enforced in apps.mappings.services.approval whatever the permissions); refreshes master data.
- integration_admin (IT): refreshes master data and reads the refresh runs; sees sets only where granted.
- auditor: every `view_*` (added by apps.access.roles) with global entity scope → reads all, changes nothing.
Per-set grants (guardian): the owner and the steward group get view + change on their set; a user outside the
controller role can be made an approver of one set with `approve_mappingset` on it.
"""

ROLE_PERMISSIONS = {
    "finance_controller": [
        "mappings.view_mappingset",
        "mappings.add_mappingset",
        "mappings.change_mappingset",
        "mappings.approve_mappingset",
        "mappings.view_mappingsetversion",
        "mappings.view_mappingrule",
        "mappings.view_masterrecord",
        "mappings.refresh_masterrecord",
        "mappings.view_masterdatarefresh",
    ],
    "integration_admin": [
        "mappings.view_mappingset",
        "mappings.view_mappingsetversion",
        "mappings.view_mappingrule",
        "mappings.view_masterrecord",
        "mappings.refresh_masterrecord",
        "mappings.view_masterdatarefresh",
    ],
}

# Object permissions the owner and the steward group of a set receive on it.
STEWARD_PERMS = ["mappings.view_mappingset", "mappings.change_mappingset"]
