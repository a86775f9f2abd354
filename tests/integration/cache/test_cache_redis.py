"""RedisCache beyond the contract: what is stored on the server, and a Redis that is down, hung, or restarted.

A Redis that is unreachable must cost the pipeline nothing but cache misses: no exception, no long waits, one
warning per outage (not one per call), and the same cache object working again once Redis is back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis
from cache_harness import REDIS_URL, ThrowawayRedis, unique_namespace

from tracktion_shared.cache import RedisCache

LOGGER = "tracktion.cache"


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]


def infos_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.INFO]


async def timed(call: Awaitable[Any], within: float) -> Any:
    """Await ``call`` and fail if it took longer than ``within`` seconds."""
    started = time.monotonic()
    result = await asyncio.wait_for(call, timeout=within + 5)
    elapsed = time.monotonic() - started
    assert elapsed < within, f"took {elapsed:.2f}s, more than {within}s"
    return result


async def eventually(check: Callable[[], Awaitable[bool]], what: str, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {within}s waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def unreachable() -> AsyncIterator[RedisCache]:
    """A cache pointed at a closed port, with a password in its URL that must never be shown."""
    cache = RedisCache("redis://tracktion:s3cret-pw@127.0.0.1:1/0", namespace=unique_namespace(), retry_interval=0.05)
    yield cache
    await cache.close()


# -- Redis down ---------------------------------------------------------------------------------------------------


async def test_an_unreachable_redis_answers_misses_fast_and_warns_once(
    unreachable: RedisCache, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    assert await timed(unreachable.get("k"), within=1.5) is None
    await timed(unreachable.set("k", b"v", ttl=10), within=1.5)
    await timed(unreachable.delete("k"), within=1.5)
    assert await timed(unreachable.get_json("k"), within=1.5) is None
    for _ in range(5):  # more real attempts (the breaker lets one through every 50 ms): still the one warning
        await asyncio.sleep(0.06)
        assert await timed(unreachable.get("k"), within=1.5) is None

    [warning] = warnings_of(caplog)
    assert "redis://tracktion:***@127.0.0.1:1/0" in warning.getMessage()
    assert "get failed" in warning.getMessage()
    assert all("s3cret-pw" not in record.getMessage() for record in caplog.records)
    assert "s3cret-pw" not in repr(unreachable)
    assert "s3cret-pw" not in unreachable.url
    assert infos_of(caplog) == []


async def test_a_burst_against_a_dead_redis_neither_raises_nor_stalls(
    unreachable: RedisCache, caplog: pytest.LogCaptureFixture
) -> None:
    started = time.monotonic()
    results = await asyncio.gather(*(unreachable.get(f"k{i}") for i in range(200)))
    await asyncio.gather(*(unreachable.set(f"k{i}", b"v") for i in range(200)))
    assert results == [None] * 200
    assert time.monotonic() - started < 2.0
    assert len(warnings_of(caplog)) == 1


async def test_a_hung_redis_costs_one_socket_timeout_then_the_breaker_answers_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A server that accepts connections and never answers (a hung process, a wedged proxy)."""
    connections: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        while await reader.read(65536):
            pass

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    cache = RedisCache(f"redis://127.0.0.1:{port}/0", socket_timeout=0.3, retry_interval=60)
    try:
        assert await timed(cache.get("k"), within=1.5) is None  # one read timeout (0.3 s), not retried
        for _ in range(20):  # the breaker is open: no call waits again
            assert await timed(cache.get("k"), within=0.05) is None
            await timed(cache.set("k", b"v"), within=0.05)
        assert len(warnings_of(caplog)) == 1
    finally:
        await cache.close()
        for writer in connections:
            writer.close()
        server.close()
        await server.wait_closed()


# -- on a real Redis ------------------------------------------------------------------------------------------------


@pytest.mark.redis
async def test_keys_carry_the_namespace_and_ttls_are_milliseconds(redis_namespace: str) -> None:
    raw = aioredis.Redis.from_url(REDIS_URL)
    async with RedisCache(REDIS_URL, namespace=redis_namespace) as cache:
        await cache.set("analysis:abc", b"v", ttl=1.5)
        await cache.set("forever", b"w")
        try:
            assert await raw.get(f"{redis_namespace}:analysis:abc") == b"v"
            assert 0 < await raw.pttl(f"{redis_namespace}:analysis:abc") <= 1500
            assert await raw.pttl(f"{redis_namespace}:forever") == -1  # no expiry
            await raw.set(f"{redis_namespace}:written-elsewhere", b"x")
            assert await cache.get("written-elsewhere") == b"x"
        finally:
            await raw.aclose()


@pytest.mark.redis
@pytest.mark.disruptive
async def test_the_same_cache_works_again_after_a_redis_restart(
    throwaway_redis: ThrowawayRedis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    cache = RedisCache(throwaway_redis.url, namespace=unique_namespace(), retry_interval=0.1)
    try:
        await cache.set("k", b"before")
        assert await cache.get("k") == b"before"

        # Redis dies: misses, no-ops, one warning, nothing raised, nothing slow
        await asyncio.to_thread(throwaway_redis.stop)
        for _ in range(10):
            assert await timed(cache.get("k"), within=1.5) is None
            await timed(cache.set("k", b"during"), within=1.5)
            await asyncio.sleep(0.02)
        assert len(warnings_of(caplog)) == 1
        assert infos_of(caplog) == []

        # Redis is back on the same port (empty: it keeps nothing): the same object works again, and says so once
        await asyncio.to_thread(throwaway_redis.start)

        async def works() -> bool:
            await cache.set("k", b"after")
            return await cache.get("k") == b"after"

        await eventually(works, "the cache to work again after the restart")
        [info] = infos_of(caplog)
        assert "works again" in info.getMessage()

        # a restart between two calls leaves a stale pooled connection: the one retry replaces it unnoticed
        await asyncio.to_thread(throwaway_redis.stop)
        await asyncio.to_thread(throwaway_redis.start)
        await timed(cache.set("k", b"after the second restart"), within=1.5)
        assert await cache.get("k") == b"after the second restart"
        assert len(warnings_of(caplog)) == 1  # no new outage was seen
    finally:
        await cache.close()
