"""Schema migrations, run from code: services upgrade their database at start-up, tests go up and down.

The Alembic configuration is built here rather than read from an ``alembic.ini``, so an installed wheel can migrate
with nothing but a URL. The whole upgrade runs in one transaction on one connection (on PostgreSQL DDL is
transactional, so a failed migration leaves nothing half-done), after taking an advisory lock so that replicas
starting together wait for each other instead of racing to create the same tables.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from tracktion_shared.storage.engine import make_engine

__all__ = ["alembic_config", "current_revision", "downgrade", "head_revision", "upgrade"]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# any constant every tracktion process agrees on: the bytes of "trktion" read as one integer
_PG_MIGRATION_LOCK = int.from_bytes(b"trktion", "big")

T = TypeVar("T")


def alembic_config() -> Config:
    """An Alembic configuration pointing at the migrations shipped inside this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


def head_revision() -> str | None:
    """The newest revision this code knows; a database at any other revision needs :func:`upgrade`."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision`` (default: the newest)."""
    await _with_connection(url, lambda connection: command.upgrade(_bound_config(connection), revision))


async def downgrade(url: str, revision: str) -> None:
    """Migrate the database at ``url`` down to ``revision`` (``"base"`` removes every table)."""
    await _with_connection(url, lambda connection: command.downgrade(_bound_config(connection), revision))


async def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at; ``None`` when it was never migrated."""
    return await _with_connection(url, lambda connection: MigrationContext.configure(connection).get_current_revision())


def _bound_config(connection: Connection) -> Config:
    config = alembic_config()
    config.attributes["connection"] = connection
    return config


async def _with_connection(url: str, work: Callable[[Connection], T]) -> T:
    engine = make_engine(url, sqlite_foreign_keys=False)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            return await connection.run_sync(work)
    finally:
        await engine.dispose()
