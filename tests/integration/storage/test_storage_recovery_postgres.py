"""A PostgreSQL that drops our connections (restart, failover, an admin) must cost a retry, not a failed message."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from tracktion_shared.storage import Database, RetryPolicy, UnitOfWork, upgrade

pytestmark = pytest.mark.postgres

LOGGER = "tracktion.storage"
Terminate = Callable[[], Awaitable[int]]
FAST_RETRY = RetryPolicy(attempts=4, initial_delay=0.01, max_delay=0.05, deadline=10.0)


def storage_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == LOGGER]


@pytest.fixture
async def database_with_password(database_url: str) -> AsyncIterator[tuple[Database, str]]:
    """The session database, reached through a URL that carries a password (trust authentication ignores it)."""
    password = make_url(database_url).password or "hunter2-secret"
    url = make_url(database_url).set(password=password).render_as_string(hide_password=False)
    await upgrade(url)
    db = Database(url, retry=FAST_RETRY)
    yield db, password
    await db.dispose()


async def test_connections_killed_between_transactions_are_replaced(
    database: Database, terminate_backends: Terminate, caplog: pytest.LogCaptureFixture
) -> None:
    await database.run(lambda uow: uow.session.execute(text("SELECT 1")))
    assert await terminate_backends() >= 1  # the pooled, idle connection

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        recording = await database.run(lambda uow: uow.recordings.add(file_path="/after.flac", file_name="after.flac"))

    assert recording.file_path == "/after.flac"
    # the pool's pre-ping noticed the dead connection and opened another before the transaction began
    assert storage_warnings(caplog) == []


async def test_a_connection_killed_mid_transaction_reruns_the_whole_transaction(
    database_with_password: tuple[Database, str], terminate_backends: Terminate, caplog: pytest.LogCaptureFixture
) -> None:
    database, password = database_with_password
    attempts = 0

    async def work(uow: UnitOfWork) -> str:
        nonlocal attempts
        attempts += 1
        recording = await uow.recordings.add(file_path=f"/attempt-{attempts}.flac", file_name="set.flac")
        if attempts == 1:
            assert await terminate_backends() >= 1  # ours, idle in this very transaction
        await uow.metadata.upsert(recording.id, {"bpm": "128"})
        return recording.file_path

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert await database.run(work) == "/attempt-2.flac"

    assert attempts == 2
    async with database.transaction() as uow:
        recordings = await uow.recordings.list_page()
        assert [recording.file_path for recording in recordings] == ["/attempt-2.flac"]  # attempt 1 rolled back
        assert await uow.metadata.get_all(recordings[0].id) == {"bpm": "128"}
    [warning] = storage_warnings(caplog)
    assert "attempt 1 of 4" in warning
    assert "***@" in warning
    assert password not in caplog.text


async def test_an_integrity_error_is_not_retried(database: Database, caplog: pytest.LogCaptureFixture) -> None:
    await database.run(lambda uow: uow.recordings.add(file_path="/a.flac", file_name="a.flac", xxh128_hash="f" * 32))
    attempts = 0

    async def work(uow: UnitOfWork) -> None:
        nonlocal attempts
        attempts += 1
        await uow.recordings.add(file_path="/b.flac", file_name="b.flac", xxh128_hash="f" * 32)

    with caplog.at_level(logging.WARNING, logger=LOGGER), pytest.raises(IntegrityError):
        await database.run(work)

    assert attempts == 1
    assert storage_warnings(caplog) == []
    assert await database.run(lambda uow: uow.recordings.get_by_path("/b.flac")) is None
