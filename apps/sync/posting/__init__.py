"""Posting to Odoo: payload builders per version profile (pure) and the exactly-once posters (gateway calls).

Exactly once: every record we create in Odoo carries the document's idempotency key in `ref` and an
`ir.model.data` external id (module `integration_console`). Before any create the poster looks both up, so a
crash after Odoo committed but before the console did is recovered by lookup, never by a second create.
"""
