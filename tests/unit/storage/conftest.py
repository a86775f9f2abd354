"""Storage fixtures on a throwaway SQLite file per test.

``database_url`` (empty, never migrated) and ``database`` (migrated to head) are the two fixtures the storage
contracts use; tests/integration/storage/conftest.py provides the same two names for PostgreSQL, and re-runs the
contract modules of this directory against them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tracktion_shared.storage import Database, RetryPolicy, upgrade

# retries in tests: quick, but still more than one attempt
FAST_RETRY = RetryPolicy(attempts=4, initial_delay=0.01, max_delay=0.05, deadline=10.0)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A SQLite file in a directory that does not exist yet (the storage layer must create it)."""
    return f"sqlite:///{tmp_path / 'data' / 'tracktion.db'}"


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    await upgrade(database_url)
    db = Database(database_url, retry=FAST_RETRY)
    yield db
    await db.dispose()
