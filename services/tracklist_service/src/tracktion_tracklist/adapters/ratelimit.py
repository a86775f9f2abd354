"""A per-host rate limiter: at most one request start per ``interval`` seconds for each host.

The site rate-limits by IP and answers an eager client with a captcha page, so politeness is not optional. Requests
to one host are spaced out in the order they asked; different hosts do not wait for each other. Safe for any number
of concurrent tasks: a slot is reserved under a lock, the wait happens outside it. ``clock`` and ``sleep`` are
injectable so tests can check the spacing without waiting for real.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

__all__ = ["HostRateLimiter"]


class HostRateLimiter:
    """``await limiter.wait(host)`` returns when a request to ``host`` may start."""

    def __init__(
        self,
        interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if interval < 0:
            raise ValueError("interval must be >= 0")
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = asyncio.Lock()

    async def wait(self, host: str) -> float:
        """Reserve the next slot for ``host`` and sleep until it; returns the seconds waited."""
        async with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + self.interval
        delay = slot - now
        if delay > 0:
            await self._sleep(delay)
        return delay

    def reset(self, host: str) -> None:
        """Forget the slots reserved for ``host`` by callers that gave up waiting (its breaker opened): the next
        request, a trial after the cool-down, waits one interval, not for a queue of look-ups that never ran."""
        self._next[host] = self._clock() + self.interval

    def defer(self, host: str, seconds: float) -> None:
        """Push ``host``'s next slot at least ``seconds`` into the future (after a Retry-After, say)."""
        self._next[host] = max(self._next.get(host, 0.0), self._clock() + seconds)
