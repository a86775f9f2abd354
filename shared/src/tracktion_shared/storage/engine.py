"""The one place engines are built, so the application and the migrations see the database the same way.

PostgreSQL connections are checked before use (``pool_pre_ping``) because a pooled connection outlives server
restarts and idle-connection reapers. SQLite needs per-connection settings SQLAlchemy does not make for it: foreign
keys are off unless asked for (so ``ON DELETE CASCADE`` would silently do nothing), the rollback journal lets a reader
block the writer where WAL does not, and without a busy timeout a second writer fails at once instead of waiting.
Python's sqlite3 module also opens transactions late and only before INSERT/UPDATE/DELETE, so reads and DDL would
run outside them; SQLAlchemy's documented recipe (emit our own BEGIN) makes a SQLite transaction, migrations
included, as atomic as a PostgreSQL one. The BEGIN is IMMEDIATE: a deferred transaction that reads and then writes
must upgrade its lock, and when another writer holds it SQLite fails at once ("database is locked") instead of
waiting out the busy timeout. Taking the write lock up front makes concurrent writers queue; WAL readers of other
connections are not blocked by it.

A SQLite file that is not a database (overwritten, or some other file at that path) fails the first statement of
every connection; that becomes one :class:`~tracktion_shared.errors.ConfigError` naming the file and what to do,
instead of a driver traceback that names neither.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from tracktion_shared.errors import ConfigError
from tracktion_shared.storage.urls import async_url, ensure_sqlite_directory

__all__ = ["make_engine"]

_PG_CONNECT_TIMEOUT = 10  # seconds; libpq waits forever by default when the server does not answer
#: what SQLite says when a file is not a database (SQLITE_NOTADB) or its header is damaged (SQLITE_CORRUPT)
_NOT_A_DATABASE = ("file is not a database", "database disk image is malformed")


def make_engine(
    url: str,
    *,
    sqlite_busy_timeout: float = 30.0,
    sqlite_foreign_keys: bool = True,
    echo: bool = False,
) -> AsyncEngine:
    """An asyncio engine for ``url`` (any URL :func:`~tracktion_shared.storage.urls.async_url` accepts).

    ``sqlite_foreign_keys=False`` is for migrations only: Alembic's batch mode rebuilds a SQLite table by dropping
    it, and with foreign keys on, dropping a parent table deletes every child row through ``ON DELETE CASCADE``.
    """
    target = async_url(url)
    is_sqlite = target.get_backend_name() == "sqlite"
    connect_args: dict[str, Any] = {}
    if is_sqlite:
        ensure_sqlite_directory(target)
    elif "connect_timeout" not in target.query:
        connect_args["connect_timeout"] = _PG_CONNECT_TIMEOUT
    engine = create_async_engine(target, pool_pre_ping=True, echo=echo, connect_args=connect_args)
    if is_sqlite:
        _configure_sqlite(
            engine, target.database or "", busy_timeout=sqlite_busy_timeout, foreign_keys=sqlite_foreign_keys
        )
    return engine


def _configure_sqlite(engine: AsyncEngine, path: str, *, busy_timeout: float, foreign_keys: bool) -> None:
    pragmas = [
        f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}",
        "PRAGMA journal_mode = WAL",
        f"PRAGMA busy_timeout = {round(busy_timeout * 1000)}",
    ]

    def on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # the driver must not BEGIN by itself; on_begin does
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(pragma)
        except Exception as exc:
            if any(phrase in str(exc) for phrase in _NOT_A_DATABASE):
                raise ConfigError(
                    f"{path} is not a SQLite database ({exc}): move it aside to start a new catalog, or set "
                    "TRACKTION_DATA_DIR (or TRACKTION_DATABASE_URL) to another place"
                ) from exc
            raise
        finally:
            cursor.close()

    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(engine.sync_engine, "connect", on_connect)
    event.listen(engine.sync_engine, "begin", on_begin)
