"""Live events, one at a time in arrival order: apply the rules, then carry out what they ask for.

Creations and modifications only touch the pending files (no I/O here: the settle loop stats them); moves stat the
new path so FileMoved carries its size and mtime; deletions are published at once. A failure on one event is
logged and the next event is handled: a watcher never dies of one odd file.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from tracktion_shared.logs import correlation_scope
from tracktion_shared.messages import FileDeleted, FileMoved
from tracktion_watcher.adapters.files import FileStat, stat_file
from tracktion_watcher.adapters.observer import EventSource
from tracktion_watcher.adapters.publisher import Publisher
from tracktion_watcher.domain.changes import AnnounceDelete, AnnounceMove, EventRules, FsEvent
from tracktion_watcher.domain.filters import printable_path
from tracktion_watcher.domain.skips import SkippedPath
from tracktion_watcher.skipping import SkipRecorder

__all__ = ["LiveEvents"]

log = logging.getLogger("tracktion.watcher")


class LiveEvents:
    """Turns :class:`FsEvent` s into pending files and messages."""

    def __init__(
        self,
        rules: EventRules,
        publisher: Publisher,
        skips: SkipRecorder,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rules = rules
        self.publisher = publisher
        self.skips = skips
        self.clock = clock

    async def consume(self, source: EventSource) -> None:
        """Handle events from ``source`` until cancelled."""
        while True:
            event = await source.get()
            try:
                await self.handle(event)
            except Exception:
                log.exception("could not handle %s of %s", event.kind, printable_path(event.path))

    async def handle(self, event: FsEvent) -> None:
        """Apply one event and carry out its effects (publishing waits for any group in progress)."""
        dest = f" -> {printable_path(event.dest)}" if event.dest else ""
        log.debug("event %s %s%s", event.kind, printable_path(event.path), dest)
        if event.is_dir and event.kind == "deleted":
            log.info(
                "directory %s is gone; files in it without a deletion event of their own are caught by the next sweep",
                printable_path(event.path),
            )
        for effect in self.rules.apply(event, self.clock()):
            if isinstance(effect, SkippedPath):
                self.skips.record(effect)
            elif isinstance(effect, AnnounceDelete):
                await self._announce(FileDeleted(path=effect.path, correlation_id=effect.correlation_id))
            elif isinstance(effect, AnnounceMove):
                found = await asyncio.to_thread(stat_file, effect.new)
                size, mtime = (found.size, found.mtime) if isinstance(found, FileStat) else (None, None)
                moved = FileMoved(
                    path=effect.new, old_path=effect.old, size=size, mtime=mtime, correlation_id=effect.correlation_id
                )
                await self._announce(moved)

    async def _announce(self, message: FileDeleted | FileMoved) -> None:
        if await self.publisher.publish(message):
            with correlation_scope(message.correlation_id):
                if isinstance(message, FileMoved):
                    log.info("file.moved %s -> %s", printable_path(message.old_path), printable_path(message.path))
                else:
                    log.info("file.deleted %s", printable_path(message.path))
