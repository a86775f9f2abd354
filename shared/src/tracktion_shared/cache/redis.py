"""The cache on a Redis server, for deployments that share one cache between processes and machines.

Redis is an optimisation here, so its failures are never the caller's problem: a call that cannot reach it answers a
miss (or does nothing) and is counted by :class:`~tracktion_shared.cache._common.Availability`, which logs one
warning per outage interval and an INFO when Redis answers again. Three settings keep a dead Redis from slowing the
pipeline down:

* short socket timeouts (0.5 s to connect, 1 s per read) instead of redis-py's 5 s;
* one immediate retry on a connection error only (redis-py's default is ten, with backoff): the retry is what turns
  the stale pooled connection left by a Redis restart into a fresh one without the caller noticing, while a timeout
  -- a server that is there but hung, or a host that drops packets -- is not waited for twice;
* a circuit breaker: after a connection failure, calls answer misses at once for ``retry_interval`` seconds instead of
  each waiting for its own timeout; then the next call tries again. redis-py's pool reconnects by itself, so the
  same :class:`RedisCache` works again once Redis is back.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from tracktion_shared.cache._common import WARN_INTERVAL, Availability, check_ttl, log, validate_namespace
from tracktion_shared.cache.base import Cache
from tracktion_shared.config import redact_url
from tracktion_shared.errors import ConfigError

__all__ = ["SCHEMES", "RedisCache"]

SCHEMES = ("redis", "rediss", "unix")

_T = TypeVar("_T")

#: errors that say "the server is not there" (as opposed to "it refused this one command"): they open the breaker
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class RedisCache(Cache):
    """Keys are stored as ``<namespace>:<key>``; TTLs become ``SET ... PX`` (rounded up to whole milliseconds).

    ``url`` is written as people type it -- ``redis://[user:password@]host:6379/0``, ``rediss://`` for TLS, or
    ``unix:///path/redis.sock`` -- and its query string may override any option (``?socket_timeout=5``). Nothing is
    connected before the first call. The URL's password never appears in :attr:`url`, ``repr`` or a log line.
    ``max_connections`` bounds the pool, so a burst of concurrent look-ups queues for a connection instead of opening
    hundreds of sockets on a shared server. Use one instance from one event loop, as with any redis-py client.
    """

    def __init__(
        self,
        url: str,
        *,
        namespace: str = "tracktion",
        socket_timeout: float = 1.0,
        connect_timeout: float = 0.5,
        retry_interval: float = 1.0,
        warn_interval: float = WARN_INTERVAL,
        max_connections: int = 32,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = redact_url(url)
        scheme = urlsplit(url).scheme.lower()
        if scheme not in SCHEMES:
            raise ConfigError(f"Redis URL {self.url!r} must start with one of {', '.join(s + '://' for s in SCHEMES)}")
        self.namespace = validate_namespace(namespace)
        self.retry_interval = retry_interval
        self._clock = clock
        try:
            self._pool = aioredis.BlockingConnectionPool.from_url(
                url,
                socket_timeout=socket_timeout,
                socket_connect_timeout=connect_timeout,
                retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
                max_connections=max_connections,
                timeout=connect_timeout + socket_timeout,  # waiting for a free pooled connection
            )
        except (ValueError, TypeError) as error:  # a query option that does not parse
            raise ConfigError(f"invalid Redis URL {self.url!r}: {redact_url(str(error))}") from None
        if self._pool.connection_kwargs.get("decode_responses"):
            # the URL's query wins over our arguments; decoded replies would break every binary value
            raise ConfigError(f"Redis URL {self.url!r}: decode_responses cannot be used, the cache stores bytes")
        self._client = aioredis.Redis(connection_pool=self._pool)
        self._health = Availability(f"Redis {self.url}", warn_interval=warn_interval, clock=clock)
        self._retry_at = 0.0  # circuit breaker: no call tries Redis before this clock() time
        self._closed = False

    def __repr__(self) -> str:
        return f"RedisCache({self.url!r}, namespace={self.namespace!r})"

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}"

    async def get(self, key: str) -> bytes | None:
        value = await self._call("get", lambda: self._client.get(self._key(key)))
        assert not isinstance(value, str)  # decode_responses is refused in __init__
        return value

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        ttl = check_ttl(ttl)
        if ttl is not None and ttl <= 0:
            await self._call("set", lambda: self._client.delete(self._key(key)))
        else:
            px = None if ttl is None else max(1, math.ceil(ttl * 1000))  # rounded up: never expire before asked
            await self._call("set", lambda: self._client.set(self._key(key), value, px=px))

    async def delete(self, key: str) -> None:
        await self._call("delete", lambda: self._client.delete(self._key(key)))

    async def close(self) -> None:
        """Disconnect every pooled connection; later calls answer misses without connecting again."""
        if self._closed:
            return
        self._closed = True
        try:
            await self._client.aclose()
            await self._pool.aclose()
        except (RedisError, OSError) as error:  # a connection that is already broken is closed anyway
            log.debug("closing %r: %s", self, error)

    async def _call(self, operation: str, command: Callable[[], Awaitable[_T]]) -> _T | None:
        """Run one command; any Redis or socket failure becomes None, counted and (rate-limited) logged."""
        if self._closed:
            return None
        if self._health.down and self._clock() < self._retry_at:
            self._health.miss()
            return None
        try:
            result = await command()
        except (RedisError, OSError) as error:
            if isinstance(error, _UNREACHABLE):
                self._retry_at = self._clock() + self.retry_interval
            self._health.failure(operation, error)
            return None
        self._health.success()
        return result
