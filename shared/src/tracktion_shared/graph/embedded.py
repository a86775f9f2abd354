"""The embedded graph: a LadybugDB (Kuzu fork) database file in the data directory, no server needed.

LadybugDB's calls block, so every one runs on a :class:`~tracktion_shared.worker_thread.WorkerThread` of the graph's
own, never on the event loop (as :mod:`tracktion_shared.cache.sqlite` does).

Several processes use the one file: a ``tracktion watch`` or scan writes it for as long as it runs, while
``tracktion graph`` and the web UI ask it questions. They take turns (:mod:`tracktion_shared.graph.turns`: an
advisory lock beside the file, shared for readers, exclusive for the writer, with a turnstile so readers cannot
starve the writer):

- The writer (:class:`LadybugGraph`) takes its turn, then opens the database, and keeps both while calls keep
  coming. It lets go -- closes the database, gives the turn back -- when no call came for ``idle_release`` seconds
  (a timer queues that on the worker thread; no new call is needed), and, under continuous load, before the first
  call after ``max_hold`` seconds, then pauses ``yield_pause`` before taking a turn again, so a waiting reader gets
  in. Writes are one transaction per call, so letting go between calls never splits one; closing checkpoints the
  database, so the next opener sees every write.
- A reader (``LadybugGraph(path, read_only=True)``) takes a shared turn, opens it read-only and lets go the same way
  and at :meth:`~LadybugGraph.close`; readers share the file. It never creates the file or changes its schema: no
  file is :class:`GraphMissing` ("no graph yet"), a schema older than this tracktion's :class:`GraphOutdated`.

A turn not had within ``lock_timeout`` seconds is :class:`~tracktion_shared.graph.turns.GraphBusy` (the bus retries
a write later); :meth:`~LadybugGraph.close` ends a wait at once. A process that opens the database without taking a
turn (an older tracktion) is still refused by LadybugDB's own lock: a
:class:`~tracktion_shared.errors.TemporaryError` as well.

Reader and writer are one class with a flag, not two: they differ only in the lock's mode, the open's mode and what
follows the open (schema steps or a schema check); the lock, the release timer and the worker thread are the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import ladybug

from tracktion_shared.errors import PermanentError, TemporaryError
from tracktion_shared.graph.base import GraphRepository, Statement
from tracktion_shared.graph.cypher import LADYBUG_SCHEMA, SCHEMA_VERSION, Q, Query
from tracktion_shared.graph.turns import LOCK_TIMEOUT, FileTurn, GraphBusy, lock_path, turnstile_path
from tracktion_shared.worker_thread import WorkerThread

__all__ = ["GraphBusy", "GraphMissing", "GraphOutdated", "LadybugGraph", "lock_path", "turnstile_path"]

log = logging.getLogger("tracktion.graph")

_T = TypeVar("_T")

#: LadybugDB's page cache; its default, 80 % of the machine's memory, is reserved at every open (a third of the
#: open's cost) and is far beyond what a collection's graph needs (100,000 recordings are tens of MB)
BUFFER_POOL_BYTES = 256 * 1024 * 1024
#: seconds without a call after which the file is let go (a reader can then open it)
IDLE_RELEASE = 0.5
#: seconds the file is kept under continuous load before it is let go for a turn of the others
MAX_HOLD = 2.0
#: seconds to wait after such a turn before locking again, so a process polling for the lock gets in
YIELD_PAUSE = 0.1

_SHOW_TABLES = "CALL show_tables() RETURN name"


class GraphMissing(PermanentError):
    """A reader found no graph file: nothing was scanned yet (a reader never creates one)."""


class GraphOutdated(PermanentError):
    """The graph file's schema is older than this tracktion reads; a scan (a writer) upgrades it."""


class LadybugGraph(GraphRepository):
    """The graph in the LadybugDB file at ``path``; the writer creates it (and its directory) on first use.

    ``read_only`` makes a reader (see the module docstring); the timings are in seconds and default to the module's
    constants.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        read_only: bool = False,
        lock_timeout: float = LOCK_TIMEOUT,
        idle_release: float = IDLE_RELEASE,
        max_hold: float = MAX_HOLD,
        yield_pause: float = YIELD_PAUSE,
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.lock_timeout = lock_timeout
        self.idle_release = idle_release
        self.max_hold = max_hold
        self.yield_pause = yield_pause
        self._thread = WorkerThread("tracktion-graph-ladybug")
        # set by close(): a wait for the lock (or a turn's pause) ends at once
        self._closing = threading.Event()
        self._turn = FileTurn(self.path, shared=read_only, timeout=lock_timeout, closing=self._closing)
        # event-loop state: calls in flight, the idle timer, the release tasks it started
        self._active = 0
        self._idle_timer: asyncio.TimerHandle | None = None
        self._releases: set[asyncio.Task[None]] = set()
        # worker-thread state
        self._held_since = 0.0
        self._schema_known = False
        self._db: ladybug.Database | None = None
        self._conn: ladybug.Connection | None = None

    def __repr__(self) -> str:
        return f"LadybugGraph({str(self.path)!r}{', read_only=True' if self.read_only else ''})"

    async def _write(self, statements: Sequence[Statement]) -> None:
        if self.read_only:
            raise PermanentError(f"{self!r} only answers questions; writes go through a writer")
        await self._call(lambda conn: self._transaction(conn, statements))

    async def _read(self, query: Query, params: Mapping[str, Any]) -> list[list[Any]]:
        return await self._call(lambda conn: self._rows(conn, query.ladybug, params))

    async def close(self) -> None:
        """Close the database and let go of the file after every call already queued; safe to call twice.

        A queued call still waiting for the lock stops waiting (:class:`GraphBusy`) instead of delaying the close.
        """
        self._closing.set()
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        await self._thread.close(self._release)

    # -- on the event loop: the idle release -------------------------------------------------------------------------

    async def _call(self, work: Callable[[ladybug.Connection], _T]) -> _T:
        """Run ``work`` with the open connection on the worker thread; after the last call in flight, arm the timer."""
        self._active += 1
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        try:
            return await self._thread.run(lambda: work(self._connection()))
        finally:
            self._active -= 1
            if self._active == 0 and not self._thread.closed:
                self._idle_timer = asyncio.get_running_loop().call_later(self.idle_release, self._on_idle)

    def _on_idle(self) -> None:
        # a call starting cancels this timer, so here no call came for idle_release seconds; a call that starts
        # from now on is queued behind the release and opens the file again
        self._idle_timer = None
        if self._thread.closed or self._active:
            return
        task = asyncio.get_running_loop().create_task(self._release_when_idle())
        self._releases.add(task)
        task.add_done_callback(self._releases.discard)

    async def _release_when_idle(self) -> None:
        if not self._thread.closed:  # else close() has queued the release already
            await self._thread.run(self._release_quietly)

    # -- on the worker thread ------------------------------------------------------------------------------------

    def _connection(self) -> ladybug.Connection:
        if self._conn is not None:
            if time.monotonic() - self._held_since < self.max_hold:
                return self._conn
            # held this long under continuous load: give a waiting process its turn
            self._release()
            self._closing.wait(self.yield_pause)
        self._lock()
        try:
            return self._open()
        except BaseException:
            self._release()
            raise

    def _lock(self) -> None:
        """Take this graph's turn on the file (shared for a reader, exclusive for the writer)."""
        if self.read_only:
            if not self.path.exists():  # before the lock files are made: a reader creates nothing
                raise GraphMissing(f"there is no graph yet ({self.path}): scan a folder first (tracktion scan FOLDER)")
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._turn.take()
        self._held_since = time.monotonic()

    def _open(self) -> ladybug.Connection:
        try:
            db = ladybug.Database(str(self.path), read_only=self.read_only, buffer_pool_size=BUFFER_POOL_BYTES)
        except RuntimeError as error:
            # a process without the lock (an older tracktion) holds the file, or a crash left it to be recovered
            raise TemporaryError(f"cannot open the graph database {self.path}: {error}") from error
        self._db, self._conn = db, ladybug.Connection(db)
        if not self._schema_known:
            if self.read_only:
                self._check_schema(self._conn)
            else:
                self._migrate(self._conn)
            self._schema_known = True
        return self._conn

    def _migrate(self, conn: ladybug.Connection) -> None:
        """Apply the schema steps newer than the file's; each is idempotent (``IF NOT EXISTS``), so a crash is safe."""
        self._rows(conn, Q.SCHEMA_TABLE.ladybug, {})
        current = self._rows(conn, Q.SCHEMA_CURRENT.ladybug, {})[0][0] or 0
        for version in sorted(v for v in LADYBUG_SCHEMA if v > current):
            for ddl in LADYBUG_SCHEMA[version]:
                self._rows(conn, ddl, {})
            self._rows(conn, Q.SCHEMA_RECORD.ladybug, {"version": version})
            log.info("graph %s: schema step %d applied", self.path, version)

    def _check_schema(self, conn: ladybug.Connection) -> None:
        """A reader's check instead of the steps: it may not write them, and a half-known schema answers wrongly."""
        tables = {str(row[0]) for row in self._rows(conn, _SHOW_TABLES, {})}
        current = (self._rows(conn, Q.SCHEMA_CURRENT.ladybug, {})[0][0] or 0) if "SchemaVersion" in tables else 0
        if current < SCHEMA_VERSION:
            raise GraphOutdated(
                f"the graph {self.path} has schema version {current}, this tracktion reads version {SCHEMA_VERSION}: "
                "run a scan (tracktion scan FOLDER) to upgrade it"
            )

    def _transaction(self, conn: ladybug.Connection, statements: Sequence[Statement]) -> None:
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

    def _release(self) -> None:
        """Close the database, then give the turn back (idempotent): closing checkpoints it, so the next opener sees
        every write."""
        conn, db = self._conn, self._db
        self._conn = self._db = None
        with contextlib.ExitStack() as stack:  # each step runs even if an earlier one fails; last added runs first
            stack.callback(self._turn.give_back)
            if db is not None:
                stack.callback(db.close)
            if conn is not None:
                stack.callback(conn.close)

    def _release_quietly(self) -> None:
        try:
            self._release()
        except Exception:  # the timer has no caller to tell; the next call opens the file afresh
            log.warning("graph %s: letting go of it when idle failed", self.path, exc_info=True)
