"""The sync suite's sandbox-backed fixtures, for the chaos findings' fast tests (test_lost_tasks.py)."""

from tests.sync.conftest import posting_setup, sandboxes  # noqa: F401 - fixtures, found by name
