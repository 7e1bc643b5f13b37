"""What each role may do with flows and runs."""

ROLE_PERMISSIONS = {
    "integration_admin": ["sync.view_flow", "sync.add_flow", "sync.change_flow", "sync.run_flow", "sync.view_syncrun"],
    "finance_controller": ["sync.view_flow", "sync.run_flow", "sync.view_syncrun"],
}
