"""The cache: bytes by key with optional TTLs, an optimisation the pipeline never depends on.

:func:`create_cache` picks the implementation from the settings -- :class:`RedisCache` when ``TRACKTION_REDIS_URL`` is
set, the embedded :class:`SQLiteCache` (a file in the data directory) otherwise. :class:`MemoryCache` is an in-process
LRU for tests and hot paths. All three pass the same contract tests, and none of them raises because its storage is
unavailable: an unreachable server or an unusable file answers misses and logs a (rate-limited) warning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracktion_shared.cache.base import Cache
from tracktion_shared.cache.factory import CACHE_FILE_NAME, create_cache
from tracktion_shared.cache.memory import MemoryCache
from tracktion_shared.cache.sqlite import SQLiteCache
from tracktion_shared.lazy import lazy_exports

if TYPE_CHECKING:
    from tracktion_shared.cache.redis import RedisCache

__all__ = ["CACHE_FILE_NAME", "Cache", "MemoryCache", "RedisCache", "SQLiteCache", "create_cache"]

# redis-py is imported when the Redis cache is first named, not by every process that uses the SQLite file.
__getattr__ = lazy_exports(__name__, {"RedisCache": "tracktion_shared.cache.redis"})
