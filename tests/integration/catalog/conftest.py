"""The catalog end to end: real files, a real database (SQLite, and PostgreSQL when it answers), the in-process bus.

Every test that asks for ``database`` runs on both backends. PostgreSQL gets one throwaway database per session
(``catalog_test_<random>``, dropped at the end) whose schema is emptied after each test; SQLite gets a file per test.
The harness itself (:class:`catalog_harness.Catalog`) and the audio writers live in catalog_harness.py.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from catalog_harness import FAST_RETRY, Catalog
from psycopg import sql
from sqlalchemy.engine import make_url

from tracktion_shared.storage import Database, upgrade

ADMIN_URL = os.environ.get("TRACKTION_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    name = f"catalog_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.db'}"
        return
    url: str = request.getfixturevalue("postgres_database")
    yield url
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("SET lock_timeout = '10s'")
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    await upgrade(database_url)
    db = Database(database_url, retry=FAST_RETRY)
    yield db
    await db.dispose()


@pytest.fixture
def music(tmp_path: Path) -> Path:
    folder = tmp_path / "music"
    folder.mkdir()
    return folder


@pytest.fixture
async def catalog(database: Database, music: Path) -> AsyncIterator[Catalog]:
    harness = Catalog(database, music)
    await harness.bus.start()
    yield harness
    assert await harness.dead_letters() == []
    await harness.bus.close()
