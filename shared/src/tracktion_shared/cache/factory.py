"""Pick the cache from the settings: Redis when a URL is configured, the SQLite file in the data directory otherwise."""

from __future__ import annotations

from tracktion_shared.cache.base import Cache
from tracktion_shared.cache.sqlite import SQLiteCache
from tracktion_shared.config import Settings

__all__ = ["CACHE_FILE_NAME", "create_cache"]

CACHE_FILE_NAME = "cache.sqlite3"


def create_cache(settings: Settings, *, namespace: str = "tracktion") -> Cache:
    """A new cache: :class:`RedisCache` if ``redis_url`` is set (not empty), else :class:`SQLiteCache` in ``data_dir``.

    A new user configures nothing and still gets a cache that survives restarts (so a second scan does not ask the
    same websites again); setting ``TRACKTION_REDIS_URL`` shares one cache between processes and machines. Nothing is
    connected or opened here: that happens on first use, and a failure there is a miss, not an error. A URL with an
    unknown scheme is a :class:`~tracktion_shared.errors.ConfigError` right away.
    """
    url = Settings.secret(settings.redis_url)
    if url:
        # redis-py only for a process configured with a Redis URL
        from tracktion_shared.cache.redis import RedisCache  # noqa: PLC0415

        return RedisCache(url, namespace=namespace)
    return SQLiteCache(settings.data_dir / CACHE_FILE_NAME, namespace=namespace)
