"""Stand-ins for external systems, run as separate processes (see sandbox/odoo)."""
