"""Walking the music folder: every audio file with its size and mtime, in a worker thread, in bounded batches.

The walk is a plain generator (``os.scandir``, depth first, lazily) so a million-file tree costs a stack of pending
directory names and one batch, never a list of every path. :class:`ScanStream` runs it in a thread one batch at a
time (the next batch is read while the caller publishes the current one), so the event loop never blocks on a slow
network share.

Nothing found in the tree stops the walk: symlinked directories are followed, but each directory is entered once
(its ``(st_dev, st_ino)`` is remembered), which cuts symlink loops; unreadable directories, broken links and files
deleted under our feet become :class:`~tracktion_watcher.domain.skips.SkippedPath` items in the stream. Only the
root itself failing raises :class:`~tracktion_watcher.errors.WatchFolderError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import threading
from collections.abc import Generator
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from tracktion_watcher.adapters.files import FileStat, reason_for, stat_file
from tracktion_watcher.domain.changes import NOT_UTF8
from tracktion_watcher.domain.filters import is_audio_name, is_encodable, is_ignored_dir_name, printable_path
from tracktion_watcher.domain.skips import SkippedPath
from tracktion_watcher.errors import WatchFolderError

__all__ = ["FoundFile", "ScanItem", "ScanStream", "TreeWalker"]

LOOP_REASON = "symlink loop: this directory was already scanned through another path"
VANISHED_REASON = "deleted while the scan was looking at it"


@dataclass(frozen=True, slots=True)
class FoundFile:
    """An audio file the walk found, with ``st_size`` and ``st_mtime`` (of the target, for a symlink)."""

    path: str
    size: int
    mtime: float


ScanItem = FoundFile | SkippedPath


class TreeWalker:
    """Yields every audio file under ``root`` (absolute, unresolved paths) and every path it had to skip."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        """Make a running walk stop at the next entry (thread-safe)."""
        self._cancelled.set()

    def walk(self) -> Generator[ScanItem, None, None]:
        stack = [self.root]
        visited: set[tuple[int, int]] = set()
        while stack and not self._cancelled.is_set():
            directory = stack.pop()
            try:
                st = os.stat(directory)
            except OSError as exc:
                if directory == self.root:
                    raise WatchFolderError(f"cannot watch {printable_path(directory)}: {exc.strerror}") from exc
                yield SkippedPath(directory, reason_for(exc, "directory"))
                continue
            key = (st.st_dev, st.st_ino)
            if key in visited:
                yield SkippedPath(directory, LOOP_REASON)
                continue
            visited.add(key)
            subdirs: list[str] = []
            try:
                with os.scandir(directory) as entries:
                    for entry in entries:
                        if self._cancelled.is_set():
                            return
                        item = self._entry(entry, subdirs)
                        if item is not None:
                            yield item
            except OSError as exc:
                if directory == self.root:
                    raise WatchFolderError(f"cannot list {printable_path(directory)}: {exc.strerror}") from exc
                yield SkippedPath(directory, reason_for(exc, "listing directory"))
            stack.extend(sorted(subdirs, reverse=True))  # depth first, in name order

    @staticmethod
    def _entry(entry: os.DirEntry[str], subdirs: list[str]) -> ScanItem | None:
        try:
            is_dir = entry.is_dir()  # follows symlinks; loops are cut when the directory is entered
        except OSError:
            is_dir = False
        if is_dir:
            if not is_ignored_dir_name(entry.name):
                subdirs.append(entry.path)
            return None
        if not is_audio_name(entry.name):
            return None
        if not is_encodable(entry.path):
            return SkippedPath(entry.path, NOT_UTF8)
        result = stat_file(entry.path)
        if result is None:
            return SkippedPath(entry.path, VANISHED_REASON)
        if isinstance(result, FileStat):
            return FoundFile(entry.path, result.size, result.mtime)
        return result


class ScanStream:
    """Runs a :class:`TreeWalker` in worker threads, one batch ahead of the caller; use as an async context manager.

    ``await stream.next_batch()`` returns up to ``batch_size`` items, and an empty list once the walk is done.
    Leaving the context (also by cancellation) stops the walk and waits briefly for its thread.
    """

    def __init__(self, walker: TreeWalker, batch_size: int = 500, stop_timeout: float = 5.0) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.walker = walker
        self.batch_size = batch_size
        self.stop_timeout = stop_timeout
        self._items = walker.walk()
        self._ahead: asyncio.Future[list[ScanItem]] | None = None
        self._done = False

    def _take(self) -> list[ScanItem]:
        return list(itertools.islice(self._items, self.batch_size))

    def _prefetch(self) -> None:
        self._ahead = asyncio.ensure_future(asyncio.to_thread(self._take))

    async def __aenter__(self) -> Self:
        self._prefetch()
        return self

    async def next_batch(self) -> list[ScanItem]:
        if self._done or self._ahead is None:
            return []
        batch = await self._ahead
        self._ahead = None
        if len(batch) < self.batch_size:
            self._done = True
        else:
            self._prefetch()
        return batch

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.walker.cancel()
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            done, _ = await asyncio.wait([ahead], timeout=self.stop_timeout)
            if not done:  # a stat hanging on a dead network share: leave the thread, it ends with the walk
                return
            if not ahead.cancelled():
                ahead.exception()  # retrieved: an error after the caller stopped listening is not news
        with contextlib.suppress(ValueError):  # ValueError: still running in a thread that timed out
            self._items.close()
