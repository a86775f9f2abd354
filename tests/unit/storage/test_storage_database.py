"""Transactions and retries: what is repeated, what is not, and what the operator gets to read about it."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, ProgrammingError

from tracktion_shared.storage import Database, RetryPolicy, UnitOfWork, is_retryable
from tracktion_shared.storage.models import UtcDateTime

LOGGER = "tracktion.storage"


def connection_lost() -> OperationalError:
    return OperationalError(
        "SELECT 1", None, Exception("server closed the connection unexpectedly"), connection_invalidated=True
    )


def sqlite_error(name: str) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError(name)
    error.sqlite_errorname = name
    return error


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (connection_lost(), True),
        (OperationalError("SELECT 1", None, Exception("could not connect")), True),
        (InterfaceError("SELECT 1", None, Exception("connection already closed")), True),
        (psycopg.OperationalError("consuming input failed"), True),
        (psycopg.errors.AdminShutdown("terminating connection due to administrator command"), True),
        (OperationalError("INSERT", None, sqlite_error("SQLITE_BUSY")), True),
        (OperationalError("INSERT", None, sqlite_error("SQLITE_BUSY_SNAPSHOT")), True),
        (OperationalError("SELECT", None, sqlite_error("SQLITE_ERROR")), False),  # "no such table" is no outage
        (IntegrityError("INSERT", None, Exception("duplicate key")), False),
        (ProgrammingError("SELEC", None, Exception("syntax error")), False),
        (psycopg.errors.UniqueViolation("duplicate key"), False),
        (ValueError("bad input"), False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else str(value),
)
def test_what_is_worth_retrying(error: BaseException, retryable: bool) -> None:
    assert is_retryable(error) is retryable


async def test_a_lost_connection_repeats_the_whole_transaction(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    attempts = 0

    async def work(uow: UnitOfWork) -> int:
        nonlocal attempts
        attempts += 1
        await uow.recordings.add(file_path=f"/attempt-{attempts}.flac", file_name=f"attempt-{attempts}.flac")
        if attempts == 1:
            raise connection_lost()
        return attempts

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert await database.run(work) == 2

    async with database.transaction() as uow:
        assert [r.file_path for r in await uow.recordings.list_page()] == ["/attempt-2.flac"]
    [record] = [record for record in caplog.records if record.name == LOGGER]
    assert record.levelno == logging.WARNING
    assert "attempt 1 of 4" in record.getMessage()
    assert "server closed the connection unexpectedly" in record.getMessage()


async def test_retries_stop_after_the_configured_attempts(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    attempts = 0

    async def work(uow: UnitOfWork) -> None:
        nonlocal attempts
        attempts += 1
        raise connection_lost()

    policy = RetryPolicy(attempts=3, initial_delay=0.001, max_delay=0.01)
    async with Database(f"sqlite:///{tmp_path / 'x.db'}", retry=policy) as db:
        with caplog.at_level(logging.WARNING, logger=LOGGER), pytest.raises(OperationalError):
            await db.run(work)
    assert attempts == 3
    assert len([record for record in caplog.records if record.name == LOGGER]) == 2


@pytest.mark.parametrize(
    "failure",
    ["duplicate hash", "no such table", "plain exception"],
)
async def test_errors_that_would_repeat_themselves_are_not_retried(
    database: Database, caplog: pytest.LogCaptureFixture, failure: str
) -> None:
    await database.run(lambda uow: uow.recordings.add(file_path="/a.flac", file_name="a.flac", sha256_hash="a" * 64))
    attempts = 0

    async def work(uow: UnitOfWork) -> None:
        nonlocal attempts
        attempts += 1
        if failure == "duplicate hash":
            await uow.recordings.add(file_path="/b.flac", file_name="b.flac", sha256_hash="a" * 64)
        elif failure == "no such table":
            await uow.session.execute(text("SELECT * FROM no_such_table"))
        else:
            raise LookupError("not a database problem")

    expected = {"duplicate hash": IntegrityError, "no such table": OperationalError, "plain exception": LookupError}
    with caplog.at_level(logging.WARNING, logger=LOGGER), pytest.raises(expected[failure]):
        await database.run(work)
    assert attempts == 1
    assert not [record for record in caplog.records if record.name == LOGGER]


async def test_an_unreachable_server_is_retried_then_reported_without_its_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    policy = RetryPolicy(attempts=2, initial_delay=0.001, max_delay=0.01)
    # nothing listens on port 1: the connection is refused at once
    async with Database("postgresql://dj:hunter2@127.0.0.1:1/music", retry=policy) as db:
        assert "hunter2" not in repr(db)
        with caplog.at_level(logging.WARNING, logger=LOGGER), pytest.raises(OperationalError):
            await db.run(lambda uow: uow.recordings.get_by_path("/x.flac"))
    [record] = [record for record in caplog.records if record.name == LOGGER]
    assert "dj:***@127.0.0.1:1/music" in record.getMessage()
    assert "hunter2" not in caplog.text


async def test_a_busy_sqlite_database_is_waited_for(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """A second writer that outlasts the busy timeout is retried rather than failed."""
    async with (
        Database(database_url) as holder,
        Database(
            database_url,
            sqlite_busy_timeout=0.01,
            retry=RetryPolicy(attempts=50, initial_delay=0.01, max_delay=0.05, deadline=10.0),
        ) as waiter,
    ):
        async with holder.transaction() as uow:
            await uow.session.execute(text("CREATE TABLE t (n INTEGER)"))
        locked, release = asyncio.Event(), asyncio.Event()

        async def hold_the_write_lock() -> None:
            async with holder.transaction() as uow:
                await uow.session.execute(text("INSERT INTO t VALUES (1)"))
                locked.set()
                await release.wait()

        holding = asyncio.create_task(hold_the_write_lock())
        await locked.wait()
        asyncio.get_running_loop().call_later(0.3, release.set)
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            await waiter.run(lambda uow: uow.session.execute(text("INSERT INTO t VALUES (2)")))
        await holding

        async with waiter.transaction() as uow:
            assert (await uow.session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 2
    assert any("database is locked" in record.getMessage() for record in caplog.records if record.name == LOGGER)


async def test_sqlite_connections_enforce_foreign_keys_and_use_wal(database: Database) -> None:
    async with database.transaction() as uow:
        pragma = {
            name: (await uow.session.execute(text(f"PRAGMA {name}"))).scalar_one()
            for name in ("foreign_keys", "journal_mode", "busy_timeout")
        }
    assert pragma == {"foreign_keys": 1, "journal_mode": "wal", "busy_timeout": 30000}


async def test_a_failed_migration_like_ddl_rolls_back_on_sqlite(database_url: str) -> None:
    """SQLite transactions include DDL here (the driver would otherwise run it outside the transaction)."""
    async with Database(database_url) as db:

        async def fail_half_way() -> None:
            async with db.transaction() as uow:
                await uow.session.execute(text("CREATE TABLE half_done (n INTEGER)"))
                raise RuntimeError("migration failed half-way")

        with pytest.raises(RuntimeError):
            await fail_half_way()
        async with db.transaction() as uow:
            found = await uow.session.execute(text("SELECT name FROM sqlite_master WHERE name = 'half_done'"))
            assert found.first() is None


def test_naive_datetimes_are_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="naive"):
        UtcDateTime().process_bind_param(datetime(2024, 1, 1, 12, 0), sqlite_dialect.dialect())


@pytest.mark.parametrize("bad", [{"attempts": 0}, {"initial_delay": -1.0}, {"deadline": -5.0}])
def test_a_retry_policy_must_make_sense(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        RetryPolicy(**bad)  # type: ignore[arg-type]
