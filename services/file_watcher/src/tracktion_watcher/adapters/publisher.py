"""Getting the watcher's messages onto the bus, in order per file and with bounded concurrency.

Two kinds of traffic share one bus: a scan's thousands of independent discoveries, published many at a time
(``concurrency``), and live messages about single files, whose order matters (a discovery must not overtake the
deletion that followed it). One lock keeps them apart: whoever holds it publishes a whole group before the next
group starts, and a group is sent only once its last message is safe.

Live messages whose publish fails are logged and dropped (the next reconciliation sweep reports the file again);
a scan's failures are raised, because a scan that lost messages must not claim to be complete.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from tracktion_shared.bus.base import Bus
from tracktion_shared.logs import correlation_scope
from tracktion_shared.messages import FileDeleted, FileEvent, FilesScanned, Message
from tracktion_watcher.domain.filters import printable_path

__all__ = ["Publisher"]

log = logging.getLogger("tracktion.watcher")


def describe(message: Message) -> str:
    """``file.moved /music/a.mp3``, ``files.scanned (500 files)``: a message for a log line, safe to print."""
    if isinstance(message, FilesScanned):
        return f"{message.type} ({len(message.files)} files)"
    path = message.path if isinstance(message, FileEvent | FileDeleted) else ""
    return f"{message.type} {printable_path(path)}".rstrip()


class Publisher:
    """Publishes through ``bus``; at most ``concurrency`` publishes in flight."""

    def __init__(self, bus: Bus, concurrency: int = 32) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.bus = bus
        self.concurrency = concurrency
        self._lock = asyncio.Lock()

    async def _send(self, message: Message) -> None:
        with correlation_scope(message.correlation_id):
            await self.bus.publish(message)
            log.debug("published %s", describe(message))

    async def publish(self, message: Message) -> bool:
        """Publish one live message after any group in progress; False (and logged) when the bus refused it."""
        return (await self.publish_group([message], raise_errors=False))[0]

    async def publish_group(self, messages: Sequence[Message], *, raise_errors: bool) -> list[bool]:
        """Publish ``messages`` (in any order among themselves); returns which of them made it.

        With ``raise_errors`` the first failure is raised once the rest of the group has settled; without, failures
        are logged and reported as False.
        """
        if not messages:
            return []
        async with self._lock:
            if len(messages) == 1 or self.concurrency == 1:
                outcomes = [await self._attempt(m) for m in messages]
            else:
                limit = asyncio.Semaphore(self.concurrency)

                async def limited(message: Message) -> BaseException | None:
                    async with limit:
                        return await self._attempt(message)

                outcomes = await asyncio.gather(*(limited(m) for m in messages))
        failures = [(m, e) for m, e in zip(messages, outcomes, strict=True) if e is not None]
        for message, error in failures:
            with correlation_scope(message.correlation_id):
                log.error("could not publish %s: %s: %s", describe(message), type(error).__name__, error)
        if failures and raise_errors:
            raise failures[0][1]
        return [error is None for error in outcomes]

    async def _attempt(self, message: Message) -> BaseException | None:
        try:
            await self._send(message)
        except Exception as exc:
            return exc
        return None
