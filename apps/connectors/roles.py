# Capabilities each role gets on this app's models (collected by apps/access/roles.py).
# Scope is per connector: an IT user holds OWNER_PERMS as guardian object permissions on the connectors they
# created or were granted (apps.connectors.services.connector_grant). Finance controllers see names and health
# of every connector (global view_connector); auditors read configuration and credential metadata, never secrets.
ROLE_PERMISSIONS = {
    "finance_controller": ["connectors.view_connector"],
    "integration_admin": ["connectors.add_connector"],
    "auditor": ["connectors.view_connector", "connectors.view_connector_configuration"],
}

# Object permissions an IT user holds on a connector they own or were granted.
OWNER_PERMS = [
    "connectors.view_connector",
    "connectors.change_connector",
    "connectors.view_connector_configuration",
    "connectors.test_connector",
    "connectors.rotate_credential",
    "connectors.approve_credential",
]
