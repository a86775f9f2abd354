"""``tracktion db upgrade`` creates the seed tables on an empty SQLite file and on PostgreSQL, through the real CLI."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import psycopg
import pytest

from tracktion_shared.storage import head_revision

SEED_TABLES = {"recordings", "tracklists", "metadata"}


def tracktion(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRACKTION_")}
    return subprocess.run(
        [sys.executable, "-m", "tracktion", *args],
        check=False,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_version_and_help() -> None:
    assert tracktion("--version", env={}).stdout.startswith("tracktion ")
    listed = tracktion("--help", env={}).stdout
    for command in ("db", "service"):
        assert command in listed


def test_db_upgrade_on_an_empty_sqlite_file(tmp_path: Path) -> None:
    result = tracktion("db", "upgrade", env={"TRACKTION_DATA_DIR": str(tmp_path / "new")})
    assert result.returncode == 0, result.stderr
    database = tmp_path / "new" / "tracktion.db"
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        indexes = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert tables >= SEED_TABLES
    assert {"idx_metadata_recording_id", "idx_metadata_key"} <= indexes
    current = tracktion("db", "current", env={"TRACKTION_DATA_DIR": str(tmp_path / "new")})
    assert current.stdout.strip() == head_revision()


@pytest.fixture
def postgres_url(new_postgres_database: Callable[[str], AbstractContextManager[str]]) -> Iterator[str]:
    with new_postgres_database("tracktion_test") as url:
        yield url


@pytest.mark.postgres
def test_db_upgrade_and_downgrade_on_postgresql(postgres_url: str) -> None:
    env = {"TRACKTION_DATABASE_URL": postgres_url}
    result = tracktion("db", "upgrade", env=env)
    assert result.returncode == 0, result.stderr
    with psycopg.connect(postgres_url) as connection:
        tables = {row[0] for row in connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables >= SEED_TABLES
    assert tracktion("db", "downgrade", "base", env=env).returncode == 0
    with psycopg.connect(postgres_url) as connection:
        tables = {row[0] for row in connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables <= {"alembic_version"}


def test_bad_database_url_is_a_clear_error(tmp_path: Path) -> None:
    result = tracktion("db", "upgrade", env={"TRACKTION_DATABASE_URL": "mysql://dj:hunter2@db/music"})
    assert result.returncode != 0
    assert "mysql" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_unknown_service_names_the_installed_ones() -> None:
    result = tracktion("service", "nope", env={})
    assert result.returncode == 2
    assert "unknown service 'nope'" in result.stderr
