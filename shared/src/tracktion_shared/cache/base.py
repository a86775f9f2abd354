"""The cache interface: bytes by key, with an optional time to live.

Analysis results are cached by content hash (identical audio is never analysed twice) and tracklist look-ups by URL
(a site that rate-limits us is asked as rarely as possible). A cache is an optimisation, never a source of truth:
when the server behind it is down, :meth:`Cache.get` answers "miss" and :meth:`Cache.set` does nothing, each with a
warning, so the pipeline keeps working without it.
"""

from __future__ import annotations

import abc
import json
import logging
from types import TracebackType
from typing import Any, Self

__all__ = ["Cache"]

log = logging.getLogger("tracktion.cache")


class Cache(abc.ABC):
    """Keys are namespaced by the caller (``analysis:<xxh128>``, ``http:<url>``); values are bytes."""

    @abc.abstractmethod
    async def get(self, key: str) -> bytes | None:
        """The value, or None when absent, expired, or the cache is unreachable."""

    @abc.abstractmethod
    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        """Store ``value``; it expires after ``ttl`` seconds (never when None). Unreachable cache: no-op."""

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Forget ``key`` (no error when absent)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections/files; safe to call twice. Afterwards every get misses and every set is a no-op."""

    async def get_json(self, key: str) -> Any:
        """The decoded value, or None; an entry that is not JSON (written by something else) is a miss."""
        raw = await self.get(key)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            log.warning("cache entry %r is not JSON; treating it as a miss and dropping it", key)
            await self.delete(key)
            return None

    async def set_json(self, key: str, value: Any, ttl: float | None = None) -> None:
        await self.set(key, json.dumps(value, separators=(",", ":")).encode(), ttl)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
