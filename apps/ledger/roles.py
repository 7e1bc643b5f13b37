"""Who sees which ledger entries (collected by apps/access/roles.py; scope applied in apps/ledger/selectors.py).

- auditor: every entry (`view_all_entries`), CSV export, evidence packs. Reads only; nothing in the ledger is
  writable by anyone through the UI, the API or the admin.
- finance_controller: entries whose `entity` code is one of the controller's legal entities (the guardian scope
  `entities.access_entity_data`), and CSV export of those. Entries without an entity are not theirs.
- integration_admin (IT): transport and operations entries — every entry that names a connector, plus
  `internal` (runs, verification, anchoring) and `audit` (configuration changes) entries — and CSV export of
  those. Business entries without a connector stay with finance and audit.
Evidence packs (the whole chain's proof for a period) are for auditors only.
"""

ROLE_PERMISSIONS = {
    "finance_controller": ["ledger.view_ledgerentry", "ledger.export_entries"],
    "integration_admin": ["ledger.view_ledgerentry", "ledger.view_transport_entries", "ledger.export_entries"],
    "auditor": [
        "ledger.view_ledgerentry",
        "ledger.view_all_entries",
        "ledger.export_entries",
        "ledger.download_evidence_pack",
    ],
}
