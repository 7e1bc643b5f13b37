"""csv_drop (files dropped in a directory) and sql_reporting (a PostgreSQL reporting store)."""

from pathlib import Path
from urllib.parse import urlsplit

from django.views.decorators.debug import sensitive_variables

from apps.connectors.backends import base, register


@register
class CsvDropBackend(base.Backend):
    name = "csv_drop"
    label = "CSV/XLSX file drop"
    connector_kinds = ("expense_platform",)
    requires_base_url = False
    options_schema = {
        "directory": base.Option(str, required=True, help="Directory the platform drops files into."),
        "pattern": base.Option(str, default="*.csv", help="Glob of files to pick up, e.g. *.xlsx."),
    }

    def test_connection(self, connector, credential_secret):
        directory = Path(connector.options.get("directory", ""))
        if not directory.is_dir():
            return base.result(False, f"The drop directory {directory} does not exist or is not a directory.")
        with base.Stopwatch() as watch:
            waiting = sum(1 for _ in directory.glob(connector.options.get("pattern", "*.csv")))
        return base.result(True, f"Directory readable; {waiting} files waiting.", latency_ms=watch.ms)


@register
class SqlReportingBackend(base.Backend):
    name = "sql_reporting"
    label = "SQL reporting store (PostgreSQL)"
    connector_kinds = ("reporting",)
    credential_kinds = ("password",)
    url_schemes = ("postgres", "postgresql")
    requires_database = True
    options_schema = {
        "user": base.Option(str, required=True),
        "schema": base.Option(str, default="public"),
        "timeout": base.Option(int, default=5, min=1, max=60),
    }
    sensitive_parameters = frozenset({"password", "dsn"})

    @sensitive_variables()
    def test_connection(self, connector, credential_secret):
        import psycopg

        url = urlsplit(connector.base_url)
        try:
            with (
                base.Stopwatch() as watch,
                psycopg.connect(
                    host=url.hostname,
                    port=url.port or 5432,
                    dbname=connector.database,
                    user=connector.options.get("user", ""),
                    password=credential_secret or "",
                    connect_timeout=int(connector.options.get("timeout", 5)),
                ) as connection,
            ):
                version = connection.execute("show server_version").fetchone()[0]
        except psycopg.Error as error:
            message = base.scrub(
                str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__, credential_secret
            )
            return base.result(False, message, auth_failed="authentication failed" in message)
        return base.result(True, "Connected to PostgreSQL.", latency_ms=watch.ms, server_version=version)
