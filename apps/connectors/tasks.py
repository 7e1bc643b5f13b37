"""django-q2 tasks of the connectors app: thin wrappers around services (safe to deliver twice)."""

from apps.connectors.services import credentials_check_expiry
from integration_console.logs import correlation_id, new_correlation_id


def credentials_check_expiry_task() -> dict:
    """Daily: open `credential_expiring` worklist items 14 days ahead and email connector owners."""
    token = correlation_id.set(new_correlation_id())
    try:
        return credentials_check_expiry()
    finally:
        correlation_id.reset(token)
