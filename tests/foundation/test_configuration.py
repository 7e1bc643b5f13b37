"""Bad configuration fails fast with one line naming the variable; good configuration starts."""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from integration_console import config

ROOT = Path(__file__).resolve().parents[2]
GOOD_PRODUCTION = {
    "ENVIRONMENT": "production",
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "console.example.com",
    "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
}


def manage(*args, env):
    data_dir = tempfile.mkdtemp(prefix="ic-config-test-")
    base = {"PATH": "/usr/bin:/bin", "HOME": data_dir, "DATA_DIR": data_dir}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def one_line_error(result) -> str:
    lines = [line for line in result.stderr.strip().splitlines() if line]
    assert len(lines) == 1, f"expected one line, got: {result.stderr}"
    return lines[0]


@pytest.mark.parametrize(
    ("variable", "env"),
    [
        ("SECRET_KEY", {k: v for k, v in GOOD_PRODUCTION.items() if k != "SECRET_KEY"}),
        ("SECRET_KEY", {**GOOD_PRODUCTION, "SECRET_KEY": config.DEV_SECRET_KEY}),
        ("ENCRYPTION_KEYS", {k: v for k, v in GOOD_PRODUCTION.items() if k != "ENCRYPTION_KEYS"}),
        ("ENCRYPTION_KEYS", {**GOOD_PRODUCTION, "ENCRYPTION_KEYS": "not-a-key"}),
        ("ALLOWED_HOSTS", {k: v for k, v in GOOD_PRODUCTION.items() if k != "ALLOWED_HOSTS"}),
        ("DATABASE_URL", {**GOOD_PRODUCTION, "DATABASE_URL": "mysql://x@localhost/db"}),
        ("Q_TIMEOUT", {"Q_TIMEOUT": "500", "Q_RETRY": "400"}),
        ("DEBUG", {"DEBUG": "perhaps"}),
    ],
)
def test_bad_configuration_refuses_to_start_naming_the_variable(variable, env):
    result = manage("check", env=env)
    assert result.returncode != 0
    line = one_line_error(result)
    assert line.startswith("configuration error: ") and variable in line


def test_unreachable_database_url_fails_fast_with_one_line():
    result = manage("migrate", env={"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"})
    assert result.returncode != 0
    assert "DATABASE_URL" in one_line_error(result)


def test_production_configuration_passes_the_system_checks():
    result = manage("check", env=GOOD_PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_secret_can_come_from_a_file(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("s" * 60 + "\n")
    env = config.Env({"SECRET_KEY_FILE": str(secret_file)})
    assert env.secret("SECRET_KEY", production=True, dev_default="dev") == "s" * 60


def test_sqlite_default_uses_wal_and_a_busy_timeout(tmp_path):
    database = config.database("", tmp_path / "db.sqlite3")
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
    assert database["OPTIONS"]["timeout"] >= 5


def test_a_sqlite_url_gets_the_embedded_databases_settings(tmp_path):
    # Django's bare SQLite (deferred transactions, no WAL) fails a writer at once with "database is locked".
    other = tmp_path / "elsewhere.sqlite3"
    database = config.database(f"sqlite:///{other}", tmp_path / "db.sqlite3")
    assert database == config.database("", other)
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    reporting = config.database(f"sqlite:///{other}", tmp_path / "r.sqlite3", write_gate=False)
    assert reporting["ENGINE"] == "django.db.backends.sqlite3" and reporting["NAME"] == other
    with pytest.raises(SystemExit, match="must name a SQLite file"):
        config.database("sqlite://:memory:", tmp_path / "db.sqlite3")


def test_only_the_console_database_has_the_sqlite_write_gate(tmp_path, settings):
    # Two gates could deadlock (no timeout on a flock); the reporting store keeps SQLite's busy timeout.
    assert config.database("", tmp_path / "db.sqlite3")["ENGINE"] == "integration_console.sqlite"
    assert config.database("", tmp_path / "r.sqlite3", write_gate=False)["ENGINE"] == "django.db.backends.sqlite3"
    if "sqlite" in settings.DATABASES["reporting"]["ENGINE"]:
        assert settings.DATABASES["reporting"]["ENGINE"] == "django.db.backends.sqlite3"


def test_postgresql_prepares_its_statements_unless_told_not_to(tmp_path):
    url = "postgres://console@db.example.com:5432/console"
    options = config.database(url, tmp_path / "db.sqlite3")["OPTIONS"]
    assert options["server_side_binding"] is True and options["prepare_threshold"] == config.PREPARE_THRESHOLD
    plain = config.database(url, tmp_path / "db.sqlite3", prepared=False)["OPTIONS"]
    assert "server_side_binding" not in plain and "prepare_threshold" not in plain


@pytest.mark.django_db
def test_the_connections_prepare_what_they_run_often():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    connection.ensure_connection()
    assert connection.connection.prepare_threshold == config.PREPARE_THRESHOLD


def test_web_workers_follow_the_database_unless_set():
    assert config.web_workers({}, 2) == 2  # SQLite: one writer at a time, a process per core
    assert config.web_workers({"DATABASE_URL": "postgres://db/console"}, 2) == 3
    assert config.web_workers({"DATABASE_URL": "pgsql://db/console"}, 2) == 3  # another PostgreSQL scheme
    assert config.web_workers({"DATABASE_URL": "postgres://db/console", "WEB_CONCURRENCY": "8"}, 2) == 8
    for bad in ("0", "many"):
        with pytest.raises(SystemExit, match="WEB_CONCURRENCY"):
            config.web_workers({"WEB_CONCURRENCY": bad}, 2)


def test_gunicorn_reads_its_workers_from_the_console_configuration():
    done = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--print-config",
                           "integration_console.wsgi:application"], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "WEB_CONCURRENCY": "5"}, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert re.search(r"^workers\s+= 5$", done.stdout, re.M)


def test_redis_url_switches_the_task_broker():
    cluster = config.q_cluster(
        redis_url="redis://127.0.0.1:6379/0", workers=1, timeout=10, retry=20, max_attempts=3, sync=False
    )
    assert cluster["redis"] == "redis://127.0.0.1:6379/0" and "orm" not in cluster


def test_orm_broker_is_the_default():
    cluster = config.q_cluster(redis_url="", workers=1, timeout=10, retry=20, max_attempts=3, sync=False)
    assert cluster["orm"] == "default" and cluster["timeout"] < cluster["retry"]
