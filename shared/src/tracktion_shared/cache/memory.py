"""An in-process LRU cache with per-entry TTLs, bounded by entry count and by bytes.

For tests, and for a process that wants a small hot layer of its own. It is a plain :class:`collections.OrderedDict`
(its order is the recency order; ``move_to_end`` and ``popitem(last=False)`` are O(1)) rather than ``cachetools``:
``cachetools.TTLCache`` has one TTL for the whole cache and bounds either entries or size, never both, so it would
take a subclass and a new dependency to do what sixty lines do here.

Every method runs to completion without awaiting anything, so under asyncio each one is atomic: no lock is needed and
concurrent tasks always see a consistent cache. It is not meant to be shared between threads.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

from tracktion_shared.cache._common import check_ttl
from tracktion_shared.cache.base import Cache

__all__ = ["MemoryCache"]

#: seconds between two sweeps for expired entries; between sweeps they go when read or when the LRU reaches them
SWEEP_INTERVAL = 60.0


class _Entry(NamedTuple):
    value: bytes
    expires_at: float | None  # clock() time; None = never
    size: int


class MemoryCache(Cache):
    """At most ``max_entries`` entries and ``max_bytes`` bytes; the least recently used go first when either is hit.

    An entry's size is the length of its value plus the length of its key, so a flood of huge keys is bounded too
    (Python's per-object overhead is not counted: the bound is about the data). A value larger than ``max_bytes`` on
    its own is not stored at all, rather than evicting everything else to make room for it. ``clock`` is seconds on a
    monotonic clock; tests pass a fake one to expire entries without sleeping. After :meth:`close` the cache is
    empty and answers misses.
    """

    def __init__(
        self,
        max_entries: int = 10_000,
        max_bytes: int = 64 * 1024 * 1024,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("max_entries and max_bytes must be at least 1")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._bytes = 0
        self._next_sweep = clock() + SWEEP_INTERVAL
        self._closed = False

    def __repr__(self) -> str:
        return f"MemoryCache(entries={len(self._entries)}/{self.max_entries}, bytes={self._bytes}/{self.max_bytes})"

    def __len__(self) -> int:
        """Entries held, expired ones not yet dropped included."""
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        """Bytes held, counted as described in the class docstring."""
        return self._bytes

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at is not None and entry.expires_at <= self._clock():
            self._remove(key)
            return None
        self._entries.move_to_end(key)
        return entry.value

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        ttl = check_ttl(ttl)
        if self._closed:
            return
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        self._remove(key)
        size = len(key) + len(value)
        if (ttl is not None and ttl <= 0) or size > self.max_bytes:
            return
        self._entries[key] = _Entry(bytes(value), None if ttl is None else now + ttl, size)
        self._bytes += size
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= evicted.size

    async def delete(self, key: str) -> None:
        self._remove(key)

    async def close(self) -> None:
        self._closed = True
        self._entries.clear()
        self._bytes = 0

    def _remove(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry.size

    def _sweep(self, now: float) -> None:
        """Drop every expired entry: O(n), hence only once per :data:`SWEEP_INTERVAL`."""
        for key in [k for k, e in self._entries.items() if e.expires_at is not None and e.expires_at <= now]:
            self._remove(key)
        self._next_sweep = now + SWEEP_INTERVAL
