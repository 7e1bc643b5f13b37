"""Fail fast on start-up when the database named by the configuration cannot be reached."""

from django.db import connections
from django.db.utils import OperationalError

from integration_console.config import refuse


def assert_database_reachable() -> None:
    connection = connections["default"]
    try:
        connection.ensure_connection()
    except OperationalError as error:
        where = connection.settings_dict.get("HOST") or connection.settings_dict.get("NAME")
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        refuse("DATABASE_URL", f"cannot be reached ({where}): {reason}")
