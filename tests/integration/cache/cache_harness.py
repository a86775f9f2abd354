"""Helpers of the cache tests: a harness building caches of one kind on one namespace, and a private redis-server.

Every Redis case works in its own namespace (``test_<uuid8>``) on the shared server and deletes its keys afterwards,
so concurrent runs and other suites never see each other's keys. Tests that stop Redis never stop the shared one:
:class:`ThrowawayRedis` runs a private ``redis-server`` on a free port in a temporary directory.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Literal

import pytest
import redis.asyncio as aioredis
from ports import free_port

from tracktion_shared.cache import Cache, MemoryCache, RedisCache, SQLiteCache

REDIS_URL = os.environ.get("TRACKTION_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

CacheKind = Literal["memory", "sqlite", "redis"]


def unique_namespace() -> str:
    return f"test_{uuid.uuid4().hex[:8]}"


async def delete_namespace(url: str, namespace: str) -> int:
    """Delete every ``<namespace>:*`` key on the server at ``url``; returns how many there were."""
    client = aioredis.Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{namespace}:*", count=1000)]
        for start in range(0, len(keys), 500):
            await client.delete(*keys[start : start + 500])
        return len(keys)
    finally:
        await client.aclose()


class CacheHarness:
    """Call it for a new cache of its kind; all of them share one store (same namespace, same file), like restarts.

    ``persistent`` tells whether a new instance sees what an earlier one stored (not so for the in-process cache).
    :meth:`cleanup` closes every cache built and, on Redis, deletes the namespace's keys.
    """

    def __init__(self, kind: CacheKind, tmp_path: Path, *, redis_url: str = REDIS_URL) -> None:
        self.kind: CacheKind = kind
        self.namespace = unique_namespace()
        self.path = tmp_path / "data" / "cache.sqlite3"
        self.redis_url = redis_url
        self.persistent = kind != "memory"
        self.caches: list[Cache] = []
        self.namespaces = {self.namespace}

    def __call__(self, *, namespace: str | None = None) -> Cache:
        namespace = namespace or self.namespace
        self.namespaces.add(namespace)
        cache: Cache
        if self.kind == "redis":
            cache = RedisCache(self.redis_url, namespace=namespace)
        elif self.kind == "sqlite":
            cache = SQLiteCache(self.path, namespace=namespace)
        else:
            cache = MemoryCache()
        self.caches.append(cache)
        return cache

    async def cleanup(self) -> None:
        for cache in self.caches:
            await cache.close()
        if self.kind == "redis":
            for namespace in self.namespaces:
                await delete_namespace(self.redis_url, namespace)


class ThrowawayRedis:
    """A private ``redis-server`` (no persistence) on one fixed port, which tests may stop and start at will."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None
        self._log = directory / "redis.log"

    def start(self, timeout: float = 10.0) -> None:
        assert self._process is None, "already running"
        self._process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.directory),
                "--logfile",
                str(self._log),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not self.answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                log = self._log.read_text(errors="replace") if self._log.exists() else ""
                self.stop()
                pytest.fail(f"throwaway redis-server on port {self.port} did not start:\n{log[-2000:]}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Kill it (SIGKILL: a crash, not a polite shutdown) and wait until the port is closed."""
        if self._process is None:
            return
        process, self._process = self._process, None
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.wait(timeout=10)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False
