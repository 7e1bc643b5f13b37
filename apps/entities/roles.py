# Capabilities each role gets on this app's models (collected by apps/access/roles.py).
# Scope is separate: a controller gets `access_entity_data` per entity as a guardian object permission;
# holding it globally (auditor) means every entity.
ROLE_PERMISSIONS = {
    "finance_controller": ["entities.view_legalentity"],
    "integration_admin": ["entities.view_legalentity"],
    "auditor": ["entities.view_legalentity", "entities.access_entity_data"],
}
