# Capabilities each role gets on documents. Scope is the entity: a controller sees the documents of the
# entities they hold `entities.access_entity_data` on (apps.access.permissions.entity_scope).
ROLE_PERMISSIONS = {
    "finance_controller": ["documents.view_document", "documents.view_documentline", "documents.import_document"],
    "integration_admin": ["documents.view_document", "documents.view_documentline"],
}
