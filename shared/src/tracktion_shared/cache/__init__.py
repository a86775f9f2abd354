"""The cache: bytes by key with optional TTLs, an optimisation the pipeline never depends on.

:func:`create_cache` picks the implementation from the settings -- :class:`RedisCache` when ``TRACKTION_REDIS_URL`` is
set, the embedded :class:`SQLiteCache` (a file in the data directory) otherwise. :class:`MemoryCache` is an in-process
LRU for tests and hot paths. All three pass the same contract tests, and none of them raises because its storage is
unavailable: an unreachable server or an unusable file answers misses and logs a (rate-limited) warning.
"""

from __future__ import annotations

from tracktion_shared.cache.base import Cache
from tracktion_shared.cache.factory import CACHE_FILE_NAME, create_cache
from tracktion_shared.cache.memory import MemoryCache
from tracktion_shared.cache.redis import RedisCache
from tracktion_shared.cache.sqlite import SQLiteCache

__all__ = ["CACHE_FILE_NAME", "Cache", "MemoryCache", "RedisCache", "SQLiteCache", "create_cache"]
