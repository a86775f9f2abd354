"""One handler at a time per path, within a process.

The bus hands a consumer several messages at once, and nothing keeps two about the same file apart (a scan's
discovery and a live change, a move and a delete). Serialising them per path makes each handler see the previous
one's result instead of racing it. Across processes the database's unique keys and the inbox keep things right;
this only avoids needless conflicts and double reads.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["PathLocks"]


class PathLocks:
    """Async locks keyed by path, created on demand and dropped when nobody holds or waits for them."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    def __len__(self) -> int:
        return len(self._locks)

    @asynccontextmanager
    async def hold(self, *paths: str) -> AsyncIterator[None]:
        """Hold the locks of all ``paths`` (taken in sorted order, so two handlers never wait for each other)."""
        keys = sorted(set(paths))
        locks = [self._use(key) for key in keys]
        taken: list[asyncio.Lock] = []
        try:
            for lock in locks:
                await lock.acquire()
                taken.append(lock)
            yield
        finally:
            for lock in reversed(taken):
                lock.release()
            for key in keys:
                self._unuse(key)

    def _use(self, key: str) -> asyncio.Lock:
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        return lock

    def _unuse(self, key: str) -> None:
        lock, users = self._locks[key]
        if users <= 1:
            del self._locks[key]
        else:
            self._locks[key] = (lock, users - 1)
