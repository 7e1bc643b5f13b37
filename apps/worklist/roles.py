"""Who may do what with the worklist (capabilities; scope is applied by apps.worklist.selectors).

- finance_controller: sees and works every item of the entities they hold `entities.access_entity_data` on
  (all categories, technical ones included: a transport failure holds their document); manages the close
  calendar of those entities.
- integration_admin (IT): sees and works the technical categories — transport, auth_failure,
  credential_expiring — of every entity, and nothing else (`handle_technical_worklistitem`).
- auditor: every `view_*` (added by apps.access.roles) plus global entity scope → sees every item, changes
  nothing: no `work_worklistitem`, so every action answers 403.
Saved filters are personal preferences, not business data: anyone who may view the worklist may keep their
own (auditors included); they are never audited.
"""

ROLE_PERMISSIONS = {
    "finance_controller": [
        "worklist.view_worklistitem",
        "worklist.work_worklistitem",
        "worklist.view_worklistcomment",
        "worklist.view_bulkaction",
        "worklist.add_bulkaction",
        "worklist.view_closeperiod",
        "worklist.change_closeperiod",
    ],
    "integration_admin": [
        "worklist.view_worklistitem",
        "worklist.work_worklistitem",
        "worklist.handle_technical_worklistitem",
        "worklist.view_worklistcomment",
        "worklist.view_bulkaction",
        "worklist.add_bulkaction",
        "worklist.view_closeperiod",
    ],
}
