"""watchdog, bridged into asyncio: its observer thread puts :class:`FsEvent` s on an asyncio queue.

Only the events the watcher acts on are subscribed (created, modified, moved, deleted), so the catalog opening and
reading files -- which inotify also reports -- does not wake us. Starting an observer walks the whole tree to add
watches (inotify) or take a first snapshot (polling); that runs in a worker thread. When inotify runs out of
watches (``fs.inotify.max_user_watches``) the adapter says so and falls back to polling instead of failing.

Watches are not added through symlinked directories (watchdog would loop on a symlink loop); changes under them
are picked up by the reconciliation sweep, which does follow them.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
from types import TracebackType
from typing import Self

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from tracktion_watcher.domain.changes import FsEvent
from tracktion_watcher.domain.filters import printable_path

__all__ = ["EventSource", "make_observer", "translate"]

log = logging.getLogger("tracktion.watcher")

_EVENT_TYPES: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileDeletedEvent,
    DirCreatedEvent,
    DirMovedEvent,
    DirDeletedEvent,
]
_OUT_OF_WATCHES = (errno.ENOSPC, errno.EMFILE)


def _text(path: bytes | str) -> str:
    return path if isinstance(path, str) else path.decode("utf-8", "surrogateescape")


def translate(event: FileSystemEvent) -> FsEvent | None:
    """watchdog's event as an :class:`FsEvent`, or None for kinds the watcher ignores."""
    src, is_dir = _text(event.src_path), event.is_directory
    match event.event_type:
        case "created":
            return FsEvent("created", src, is_dir=is_dir)
        case "modified":
            return FsEvent("modified", src, is_dir=is_dir)
        case "deleted":
            return FsEvent("deleted", src, is_dir=is_dir)
        case "moved" if event.dest_path:
            return FsEvent("moved", src, _text(event.dest_path), is_dir=is_dir)
    return None


def make_observer(polling: bool, polling_interval: float) -> BaseObserver:
    """The platform's native observer (inotify on Linux), or a polling one for network shares."""
    if polling:
        return PollingObserver(timeout=polling_interval)
    return Observer()


class _Bridge(FileSystemEventHandler):
    """Runs in the observer thread: hands each event to the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[FsEvent]) -> None:
        self._loop = loop
        self._queue = queue

    def dispatch(self, event: FileSystemEvent) -> None:
        translated = translate(event)
        if translated is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closing: nobody is listening any more
            self._loop.call_soon_threadsafe(self._queue.put_nowait, translated)


class EventSource:
    """Live file system events under ``root``, from the moment the async context is entered until it is left."""

    def __init__(self, root: str, *, polling: bool = False, polling_interval: float = 5.0) -> None:
        self.root = root
        self.polling = polling
        self.polling_interval = polling_interval
        self._queue: asyncio.Queue[FsEvent] = asyncio.Queue()
        self._observer: BaseObserver | None = None

    @property
    def observer(self) -> BaseObserver | None:
        """The running watchdog observer (inspect its class to see whether polling is in use)."""
        return self._observer

    async def _start(self, polling: bool) -> BaseObserver:
        observer = make_observer(polling, self.polling_interval)
        try:
            observer.schedule(
                _Bridge(asyncio.get_running_loop(), self._queue), self.root, recursive=True, event_filter=_EVENT_TYPES
            )
            await asyncio.to_thread(observer.start)
        except BaseException:
            observer.stop()  # releases what the observer opened (inotify starts a reader thread when it is made)
            raise
        return observer

    async def _open(self) -> BaseObserver:
        try:
            observer = await self._start(self.polling)
        except OSError as exc:
            if self.polling or exc.errno not in _OUT_OF_WATCHES:
                raise
            log.warning(
                "inotify cannot watch %s (%s; raise fs.inotify.max_user_watches); polling every %.1fs instead",
                printable_path(self.root),
                exc.strerror,
                self.polling_interval,
            )
            observer = await self._start(True)
        log.info("watching %s with %s", printable_path(self.root), type(observer).__name__)
        return observer

    async def _close(self) -> None:
        observer, self._observer = self._observer, None
        if observer is None:
            return
        observer.stop()
        await asyncio.to_thread(observer.join, 10.0)
        if observer.is_alive():
            log.warning("the file system observer did not stop within 10s; leaving its thread behind")

    @property
    def healthy(self) -> bool:
        """False once the observer or one of its emitters has stopped (the folder vanished, a mount went away)."""
        observer = self._observer
        return observer is not None and observer.is_alive() and all(e.is_alive() for e in observer.emitters)

    async def restart(self) -> None:
        """Replace the observer with a fresh one on the same queue (raises ``OSError`` if the folder is unusable)."""
        await self._close()
        self._observer = await self._open()

    async def __aenter__(self) -> Self:
        self._observer = await self._open()
        return self

    async def get(self) -> FsEvent:
        """The next event (waits for one)."""
        return await self._queue.get()

    def get_nowait(self) -> FsEvent | None:
        """The next event if one is queued, else None."""
        try:
            return self._queue.get_nowait()
        except asyncio.QueueEmpty:
            return None

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._close()
