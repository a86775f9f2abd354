"""Schema migrations, run from code: services upgrade their database at start-up, tests go up and down.

The Alembic configuration is built here rather than read from an ``alembic.ini``, so an installed wheel can migrate
with nothing but a URL. The whole upgrade runs in one transaction on one connection (on PostgreSQL DDL is
transactional, so a failed migration leaves nothing half-done), after taking an advisory lock so that replicas
starting together wait for each other instead of racing to create the same tables.

Alembic itself (with Mako and Pygments behind it) is imported only when there is migrating to do: every embedded
``tracktion scan`` calls :func:`upgrade`, and on a current schema that is one ``SELECT`` against the revisions the
scripts declare, which :func:`script_heads` reads without Alembic.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from tracktion_shared.storage.engine import make_engine

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["alembic_config", "current_revision", "downgrade", "head_revision", "script_heads", "upgrade"]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# any constant every tracktion process agrees on: the bytes of "trktion" read as one integer
_PG_MIGRATION_LOCK = int.from_bytes(b"trktion", "big")

T = TypeVar("T")


def alembic_config() -> Config:
    """An Alembic configuration pointing at the migrations shipped inside this package."""
    from alembic.config import Config  # noqa: PLC0415 -- see the module docstring

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


def head_revision() -> str | None:
    """The newest revision this code knows; a database at any other revision needs :func:`upgrade`."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@functools.cache
def script_heads() -> frozenset[str]:
    """The revisions no script revises, read from the scripts' ``revision`` and ``down_revision`` assignments.

    The same two module-level assignments are what Alembic reads; a test checks both agree. A script whose values
    are not plain literals yields no answer here, which only means :func:`upgrade` asks Alembic.
    """
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        values = _literal_assignments(script, ("revision", "down_revision"))
        revision, down = values.get("revision"), values.get("down_revision")
        if not isinstance(revision, str):
            return frozenset()
        revisions.add(revision)
        revised.update((down,) if isinstance(down, str) else down if isinstance(down, tuple) else ())
    return frozenset(revisions - revised)


def _literal_assignments(script: Path, names: tuple[str, ...]) -> dict[str, object]:
    found: dict[str, object] = {}
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        pairs: list[tuple[ast.expr, ast.expr]]
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            pairs = [(node.target, node.value)]
        elif isinstance(node, ast.Assign):
            pairs = [(target, node.value) for target in node.targets]
        else:
            continue
        for target, value in pairs:
            if isinstance(target, ast.Name) and target.id in names:
                try:
                    found[target.id] = ast.literal_eval(value)
                except ValueError:
                    found[target.id] = None
    return found


async def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision`` (default: the newest); on a current schema, one query."""
    if revision == "head" and await _at_script_heads(url):
        return
    from alembic import command  # noqa: PLC0415

    await _with_connection(url, lambda connection: command.upgrade(_bound_config(connection), revision))


async def downgrade(url: str, revision: str) -> None:
    """Migrate the database at ``url`` down to ``revision`` (``"base"`` removes every table)."""
    from alembic import command  # noqa: PLC0415

    await _with_connection(url, lambda connection: command.downgrade(_bound_config(connection), revision))


async def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at; ``None`` when it was never migrated."""
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

    return await _with_connection(url, lambda connection: MigrationContext.configure(connection).get_current_revision())


async def _at_script_heads(url: str) -> bool:
    """True when the database is exactly at the scripts' heads; any doubt (no table yet, an error) says False."""
    heads = script_heads()
    if not heads:
        return False
    engine = make_engine(url, sqlite_foreign_keys=False)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            return set(rows.scalars()) == heads
    except DBAPIError:
        return False
    finally:
        await engine.dispose()


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
