"""The embedded graph: a LadybugDB (Kuzu fork) database file in the data directory, no server needed.

LadybugDB's calls block, so every one runs on a :class:`~tracktion_shared.worker_thread.WorkerThread` of the graph's
own, never on the event loop (as :mod:`tracktion_shared.cache.sqlite` does).

One process at a time may open the database for writing (LadybugDB locks the file). Opening a file another process
holds is a :class:`~tracktion_shared.errors.TemporaryError`, so a consumer retries it later instead of failing.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import ladybug

from tracktion_shared.errors import TemporaryError
from tracktion_shared.graph.base import GraphRepository, Statement
from tracktion_shared.graph.cypher import LADYBUG_SCHEMA, Q, Query
from tracktion_shared.worker_thread import WorkerThread

__all__ = ["LadybugGraph"]

log = logging.getLogger("tracktion.graph")


class LadybugGraph(GraphRepository):
    """The graph in the LadybugDB file at ``path`` (its directory is created on first use)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._thread = WorkerThread("tracktion-graph-ladybug")
        # worker-thread state
        self._db: ladybug.Database | None = None
        self._conn: ladybug.Connection | None = None

    def __repr__(self) -> str:
        return f"LadybugGraph({str(self.path)!r})"

    async def _write(self, statements: Sequence[Statement]) -> None:
        await self._thread.run(lambda: self._transaction(statements))

    async def _read(self, query: Query, params: Mapping[str, Any]) -> list[list[Any]]:
        return await self._thread.run(lambda: self._rows(self._connection(), query.ladybug, params))

    async def close(self) -> None:
        """Close the database once every call already started has finished."""
        await self._thread.close(self._close)

    # -- on the worker thread -----------------------------------------------------------------------------------------

    def _connection(self) -> ladybug.Connection:
        if self._conn is not None:
            return self._conn
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = ladybug.Database(str(self.path))
        except RuntimeError as error:
            # most often another process holds the file; the caller retries later
            raise TemporaryError(f"cannot open the graph database {self.path}: {error}") from error
        conn = ladybug.Connection(db)
        try:
            self._migrate(conn)
        except BaseException:
            conn.close()
            db.close()
            raise
        self._db, self._conn = db, conn
        return conn

    def _migrate(self, conn: ladybug.Connection) -> None:
        """Apply the schema steps newer than the file's; each is idempotent (``IF NOT EXISTS``), so a crash is safe."""
        self._rows(conn, Q.SCHEMA_TABLE.ladybug, {})
        current = self._rows(conn, Q.SCHEMA_CURRENT.ladybug, {})[0][0] or 0
        for version in sorted(v for v in LADYBUG_SCHEMA if v > current):
            for ddl in LADYBUG_SCHEMA[version]:
                self._rows(conn, ddl, {})
            self._rows(conn, Q.SCHEMA_RECORD.ladybug, {"version": version})
            log.info("graph %s: schema step %d applied", self.path, version)

    def _transaction(self, statements: Sequence[Statement]) -> None:
        conn = self._connection()
        conn.execute("BEGIN TRANSACTION")
        try:
            for query, params in statements:
                self._rows(conn, query.ladybug, params)
        except BaseException:
            # a failed statement has already rolled LadybugDB's transaction back; then there is nothing to undo
            with contextlib.suppress(RuntimeError):
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @staticmethod
    def _rows(conn: ladybug.Connection, text: str, params: Mapping[str, Any]) -> list[list[Any]]:
        result = conn.execute(text, dict(params))
        results = result if isinstance(result, list) else [result]
        rows: list[list[Any]] = []
        for res in results:
            while res.has_next():
                rows.append(list(res.get_next()))
        return rows

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._db is not None:
            self._db.close()
        self._conn = self._db = None
