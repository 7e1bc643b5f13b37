"""An Odoo look-alike server for tests and demos: `python -m sandbox.odoo --port 8169 --version 17 --data DIR`.

See README.md for protocols, the seed, fault injection and the admin endpoints.
"""
