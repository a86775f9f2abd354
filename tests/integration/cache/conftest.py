"""Fixtures of the cache tests: one harness per cache kind (the contract runs on all three), and a Redis of our own."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cache_harness import REDIS_URL, CacheHarness, ThrowawayRedis, delete_namespace, unique_namespace

from tracktion_shared.cache import Cache


@pytest.fixture(params=["memory", "sqlite", pytest.param("redis", marks=pytest.mark.redis)])
async def cache_factory(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[CacheHarness]:
    harness = CacheHarness(request.param, tmp_path)
    try:
        yield harness
    finally:
        await asyncio.wait_for(harness.cleanup(), timeout=10)


@pytest.fixture
def cache(cache_factory: CacheHarness) -> Cache:
    """One cache of each kind (closed by the harness afterwards)."""
    return cache_factory()


@pytest.fixture
async def redis_namespace() -> AsyncIterator[str]:
    """A fresh namespace on the shared Redis whose keys are deleted afterwards (mark the test ``redis``)."""
    namespace = unique_namespace()
    try:
        yield namespace
    finally:
        await delete_namespace(REDIS_URL, namespace)


@pytest.fixture
def throwaway_redis(tmp_path: Path) -> Iterator[ThrowawayRedis]:
    """A started private Redis; skips when ``redis-server`` is not installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    directory = tmp_path / "redis"
    directory.mkdir()
    server = ThrowawayRedis(binary, directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()
