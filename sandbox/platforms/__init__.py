"""Expense-platform sandboxes: small HTTP servers speaking the documented shapes of Expensify's Integration
Server and SAP Concur Expense v4, over a seeded data set in a directory. Separate processes:

    python -m sandbox.platforms.expensify --port 8170 --data var/sandbox/expensify
    python -m sandbox.platforms.concur --port 8171 --data var/sandbox/concur

Stdlib only (http.server), loopback by default, state kept in the data directory.
"""
