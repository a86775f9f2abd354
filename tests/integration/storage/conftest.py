"""PostgreSQL fixtures: one throwaway database per test session, emptied after every test.

The database is named ``tracktion_test_<random>``, so concurrent sessions (and other suites on the same server)
never share one; it is dropped ``WITH (FORCE)`` at the end even if a test leaked a connection. The server is
``TRACKTION_TEST_POSTGRES_URL`` (a libpq URL of a role allowed to create databases), by default
``postgresql://postgres@127.0.0.1:5432/postgres`` with trust authentication, as in CI.

``database_url`` and ``database`` have the same meaning as in tests/unit/storage/conftest.py, which is what lets the
contract modules of that directory run here unchanged.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractContextManager

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tracktion_shared.storage import Database, RetryPolicy, upgrade

ADMIN_URL = os.environ.get("TRACKTION_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
FAST_RETRY = RetryPolicy(attempts=4, initial_delay=0.01, max_delay=0.05, deadline=10.0)


def url_of(database: str, *, password: str | None = None) -> str:
    url = make_url(ADMIN_URL).set(database=database)
    if password is not None:
        url = url.set(password=password)
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_database(new_postgres_database: Callable[[str], AbstractContextManager[str]]) -> Iterator[str]:
    """The name of this session's own database, created empty."""
    with new_postgres_database("tracktion_test") as url:
        yield str(make_url(url).database)


@pytest.fixture
def database_url(postgres_database: str) -> Iterator[str]:
    """The session database, never migrated; whatever a test creates in it is gone afterwards."""
    url = url_of(postgres_database)
    yield url
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("SET lock_timeout = '10s'")  # a leaked connection fails the test instead of hanging it
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    await upgrade(database_url)
    db = Database(database_url, retry=FAST_RETRY)
    yield db
    await db.dispose()


@pytest.fixture
def terminate_backends(postgres_database: str) -> Callable[[], Awaitable[int]]:
    """Cut every connection to the session database, from outside, as a server restart would; returns how many."""

    async def terminate() -> int:
        async with await psycopg.AsyncConnection.connect(ADMIN_URL, autocommit=True) as admin:
            # In the select list, never in WHERE: there the planner may call it before filtering, on every backend.
            # The timeout makes it wait until each backend is really gone.
            cursor = await admin.execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (postgres_database,),
            )
            return sum(1 for (terminated,) in await cursor.fetchall() if terminated)

    return terminate
