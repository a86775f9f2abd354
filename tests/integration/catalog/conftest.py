"""The catalog end to end: real files, a real database (SQLite, and PostgreSQL when it answers), the in-process bus.

Every test that asks for ``database`` runs on both backends. PostgreSQL gets one throwaway database per session
(``catalog_test_<random>``, dropped at the end) whose schema is emptied after each test; SQLite gets a file per test.
The harness itself (:class:`catalog_harness.Catalog`) and the audio writers live in catalog_harness.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import psycopg
import pytest
from catalog_harness import FAST_RETRY, Catalog

from tracktion_shared.graph import LadybugGraph
from tracktion_shared.storage import Database, upgrade


@pytest.fixture(scope="session")
def postgres_database(new_postgres_database: Callable[[str], AbstractContextManager[str]]) -> Iterator[str]:
    with new_postgres_database("catalog_test") as url:
        yield url


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
    """The catalog with the graph writer on an embedded graph beside the music folder (graph states confirmed)."""
    graph = LadybugGraph(music.parent / "graph.lbug")
    harness = Catalog(database, music, graph=graph)
    await harness.bus.start()
    yield harness
    assert await harness.dead_letters() == []
    await harness.bus.close()
    await graph.close()
