"""Who may use reporting (capabilities; entity scope is applied by apps.reporting.selectors).

- finance_controller: the dashboard and reconciliations of their own entities (run, read, export), extracts of
  their entities, and may publish / send statuses now.
- integration_admin (IT): the dashboard for every entity (operations only: counts, latency, health — no
  amounts), and may run the reporting tasks now. No reconciliations or extracts (finance content).
- auditor: every `view_*` (added by apps.access.roles) plus the dashboard of every entity, extracts and
  reconciliation exports; runs nothing.
"""

ROLE_PERMISSIONS = {
    "finance_controller": [
        "reporting.view_dashboard",
        "reporting.run_reporting",
        "reporting.download_extract",
        "reporting.view_reconciliationrun",
        "reporting.view_reconciliationdifference",
        "reporting.add_reconciliationrun",
        "reporting.export_reconciliationrun",
    ],
    "integration_admin": [
        "reporting.view_dashboard",
        "reporting.view_all_operations",
        "reporting.run_reporting",
    ],
    "auditor": [
        "reporting.view_dashboard",
        "reporting.view_all_operations",
        "reporting.download_extract",
        "reporting.export_reconciliationrun",
    ],
}
