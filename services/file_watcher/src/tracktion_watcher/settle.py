"""The settle loop: re-stat the files still changing, and report each one once it has stopped.

Every ``poll_seconds`` (a fraction of the settle time) the pending paths are stat'ed in one worker-thread call and
fed to :class:`~tracktion_watcher.domain.pending.PendingFiles`; whatever has settled is published as one ordered
group. A round holds :attr:`Settler.lock` from the stat to the last publish, so a scan that takes the lock and sees
none of its files pending knows all of them are on the bus and counted (it can send ``ScanCompleted``).

The loop runs while the watcher watches, and during a stand-alone scan that found freshly written files.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from uuid import UUID

from tracktion_shared.logs import correlation_scope
from tracktion_watcher.adapters.files import FileStat, stat_many
from tracktion_watcher.adapters.publisher import Publisher, describe
from tracktion_watcher.domain.changes import settled_message
from tracktion_watcher.domain.pending import PendingFiles
from tracktion_watcher.domain.skips import SkippedPath
from tracktion_watcher.skipping import SkipRecorder

__all__ = ["Settler"]

log = logging.getLogger("tracktion.watcher")


class Settler:
    """Owns the settle loop for ``pending``; counts, per scan, the discoveries it published for that scan."""

    def __init__(
        self,
        pending: PendingFiles,
        publisher: Publisher,
        skips: SkipRecorder,
        poll_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pending = pending
        self.publisher = publisher
        self.skips = skips
        self.poll_seconds = poll_seconds
        self.clock = clock
        self.lock = asyncio.Lock()
        self.published_for_scan: Counter[UUID] = Counter()
        self._task: asyncio.Task[None] | None = None
        self._users = 0

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Keep the loop running for the duration of the block (nested blocks share one loop)."""
        self._users += 1
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="watcher:settle")
        try:
            yield
        finally:
            self._users -= 1
            if not self._users and self._task is not None:
                task, self._task = self._task, None
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            if not len(self.pending):
                continue
            try:
                await self.round()
            except Exception:
                log.exception("settle round failed; trying again in %.2fs", self.poll_seconds)

    async def round(self) -> None:
        """Stat every pending path once and publish whatever has settled."""
        async with self.lock:
            paths = self.pending.paths()
            results = await asyncio.to_thread(stat_many, paths)
            now = self.clock()
            for path, result in zip(paths, results, strict=True):
                if isinstance(result, FileStat):
                    self.pending.observe(path, result.size, result.mtime, now)
                    continue
                reason = self.pending.remove(path)  # gone (its deletion event follows) or unreadable
                if isinstance(result, SkippedPath) and reason is not None:
                    self.skips.record(result, reason.scan_id)
            ready = self.pending.pop_stable(now)
            if not ready:
                return
            messages = [settled_message(r) for r in ready]
            sent = await self.publisher.publish_group(messages, raise_errors=False)
            for message, ok in zip(messages, sent, strict=True):
                if not ok:
                    continue
                if message.scan_id is not None:
                    self.published_for_scan[message.scan_id] += 1
                else:
                    with correlation_scope(message.correlation_id):
                        log.info("%s (%d bytes)", describe(message), message.size or 0)
