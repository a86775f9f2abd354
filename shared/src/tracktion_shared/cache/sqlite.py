"""The embedded cache: one SQLite file in the data directory, so a second ``tracktion scan`` asks no website again.

Every sqlite3 call runs on a :class:`~tracktion_shared.worker_thread.WorkerThread` of the cache's own, never on the
event loop (sqlite3's default rule: a connection lives on one thread). ``aiosqlite`` does the same with a thread per
connection; doing it directly keeps the lifecycle (open on first use, close once) in plain sight, and the few SQL
statements need nothing more.

The file is a cache, so durability is traded for speed (WAL with ``synchronous=NORMAL``: a power cut may lose the
last writes, never the file) and any trouble is a miss, not an error:

* a file that cannot be opened or is not a database (corrupt, a directory, an unwritable place) -> one warning, and
  this instance answers misses from then on. The file is left alone: deleting what might be a misconfigured path to
  someone's data is not a cache's decision, and the warning says to move it aside;
* a failing call on a good file (disk full, a lock held too long by another process) -> a miss, logged at most once
  per interval, and the next call tries again.

Expired rows are never returned; the first write of a process deletes them, and so does the next write every
``purge_interval`` seconds, a bounded batch at a time so that no write waits long.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from tracktion_shared.cache._common import WARN_INTERVAL, Availability, check_ttl, describe, log, validate_namespace
from tracktion_shared.cache.base import Cache
from tracktion_shared.worker_thread import WorkerThread

__all__ = ["SQLiteCache"]

_T = TypeVar("_T")

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value BLOB NOT NULL, expires_at REAL)",
    "CREATE INDEX IF NOT EXISTS cache_expires_at ON cache (expires_at) WHERE expires_at IS NOT NULL",
)
_GET = "SELECT value FROM cache WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)"
_SET = "INSERT OR REPLACE INTO cache (key, value, expires_at) VALUES (?, ?, ?)"
_DELETE = "DELETE FROM cache WHERE key = ?"
_PURGE = "DELETE FROM cache WHERE rowid IN (SELECT rowid FROM cache WHERE expires_at <= ? LIMIT ?)"

#: rows deleted by one purge statement: enough to keep up, few enough that the write that triggers it stays quick
PURGE_BATCH = 5000

#: "busy"/"locked": another process holds the file for a moment; worth another try, unlike a corrupt file
_TRANSIENT_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


class _Unusable(Exception):
    """The file could not be opened as a cache; raised on the worker thread, turned into "miss-only" on the loop."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


class SQLiteCache(Cache):
    """A persistent cache in the SQLite file at ``path`` (its directory is created); keys ``<namespace>:<key>``.

    One file can serve several namespaces, as one Redis does. Expiry times are wall-clock (``clock``, default
    :func:`time.time`), because they must mean the same thing to the next process. The file is opened on the first
    call, not here, so building the cache costs nothing and works outside an event loop. After :meth:`close` the
    cache answers misses.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        namespace: str = "tracktion",
        busy_timeout: float = 1.0,
        purge_interval: float = 600.0,
        warn_interval: float = WARN_INTERVAL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.namespace = validate_namespace(namespace)
        self.busy_timeout = busy_timeout
        self.purge_interval = purge_interval
        self._clock = clock
        self._thread = WorkerThread("tracktion-cache-sqlite")
        self._health = Availability(f"SQLite {self.path}", warn_interval=warn_interval, clock=time.monotonic)
        self._broken = False  # the file cannot be used: every call is a miss (set on the loop)
        # worker-thread state
        self._conn: sqlite3.Connection | None = None
        self._open_error: _Unusable | None = None
        self._next_purge = 0.0

    def __repr__(self) -> str:
        return f"SQLiteCache({str(self.path)!r}, namespace={self.namespace!r})"

    @property
    def usable(self) -> bool:
        """False once the file turned out unusable (or the cache is closed): every call is a miss from then on."""
        return not (self._broken or self._thread.closed)

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}"

    async def get(self, key: str) -> bytes | None:
        full_key, now = self._key(key), self._clock()
        return await self._run("get", lambda: self._get(full_key, now))

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        ttl, full_key, now = check_ttl(ttl), self._key(key), self._clock()
        if ttl is not None and ttl <= 0:
            await self._run("set", lambda: self._delete(full_key))
        else:
            expires_at = None if ttl is None else now + ttl
            await self._run("set", lambda: self._set(full_key, bytes(value), expires_at, now))

    async def delete(self, key: str) -> None:
        full_key = self._key(key)
        await self._run("delete", lambda: self._delete(full_key))

    async def purge_expired(self) -> int:
        """Delete every expired row now (all namespaces); returns how many. Writes also do this from time to time."""
        now = self._clock()
        return await self._run("purge", lambda: self._purge(now, batch=-1)) or 0

    async def close(self) -> None:
        """Close the file once every call already started has finished; later calls answer misses."""
        await self._thread.close(self._close)

    async def _run(self, operation: str, call: Callable[[], _T]) -> _T | None:
        """Run ``call`` on the worker thread; any SQLite failure becomes None (see the module docstring)."""
        if not self.usable:
            return None
        try:
            result = await self._thread.run(call)
        except _Unusable as unusable:
            if not self._broken:
                self._broken = True
                log.warning(
                    "cache file %s cannot be used (%s); caching is off in this process. "
                    "Move the file aside (or fix its directory) to start a fresh cache",
                    self.path,
                    describe(unusable.error),
                )
            return None
        except sqlite3.Error as error:
            self._health.failure(operation, error)
            return None
        self._health.success()
        return result

    # -- on the worker thread -----------------------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        if self._open_error is not None:
            raise self._open_error
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        except (sqlite3.Error, OSError) as error:
            self._open_error = _Unusable(error)
            raise self._open_error from error
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            for statement in _SCHEMA:
                conn.execute(statement)
        except sqlite3.Error as error:
            conn.close()
            if error.sqlite_errorcode in _TRANSIENT_CODES:
                raise  # someone else holds the file right now; the next call opens it again
            self._open_error = _Unusable(error)
            raise self._open_error from error
        self._conn = conn
        return conn

    def _get(self, key: str, now: float) -> bytes | None:
        row = self._connection().execute(_GET, (key, now)).fetchone()
        return None if row is None else bytes(row[0])

    def _set(self, key: str, value: bytes, expires_at: float | None, now: float) -> None:
        conn = self._connection()
        conn.execute(_SET, (key, value, expires_at))
        if now >= self._next_purge:
            self._purge(now, batch=PURGE_BATCH)

    def _delete(self, key: str) -> None:
        self._connection().execute(_DELETE, (key,))

    def _purge(self, now: float, *, batch: int) -> int:
        """Delete up to ``batch`` expired rows (all when negative); the next scheduled purge is an interval away."""
        deleted = self._connection().execute(_PURGE, (now, batch)).rowcount
        self._next_purge = now + self.purge_interval
        if deleted:
            log.debug("cache file %s: %d expired entries deleted", self.path, deleted)
        return deleted

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error as error:
                log.debug("closing %s: %s", self.path, error)
            self._conn = None
