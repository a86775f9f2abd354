"""One full scan: report every audio file under the root with a fresh ``scan_id``, then ``ScanCompleted``.

Files written longer than the settle time ago are published straight away, a ``FilesScanned`` page per batch while
the walk reads the next batch; freshly written ones join the pending files and are reported (still with this
``scan_id``, as ``FileDiscovered``) once they settle. ``ScanCompleted`` goes out only after every counted file is on
the bus, so the catalog can trust ``files_seen``. A file that keeps changing for longer than ``max_settle_wait`` is
left out of the scan (and said so); while watching, it stays pending and is reported when it finally settles.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID, uuid4

from tracktion_shared.messages import MAX_PAGE_FILES, FilesScanned, ScanCompleted, ScannedFile
from tracktion_watcher.adapters.publisher import Publisher
from tracktion_watcher.adapters.scanner import ScanStream, TreeWalker
from tracktion_watcher.domain.filters import printable_path
from tracktion_watcher.domain.pending import Intent, PendingFiles, Reason
from tracktion_watcher.domain.skips import SkippedPath
from tracktion_watcher.domain.stability import settled_by_age
from tracktion_watcher.settings import WatcherSettings
from tracktion_watcher.settle import Settler
from tracktion_watcher.skipping import SkipRecorder

__all__ = ["ProgressCallback", "ScanReport", "ScanRunner"]

log = logging.getLogger("tracktion.watcher")

#: called with the number of audio files found so far, after every batch (for a progress bar).
ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class ScanReport:
    """What one full scan did. ``skipped`` holds up to 10 000 skips; ``skipped_total`` counts all of them."""

    root: str
    scan_id: UUID
    files_seen: int
    skipped: tuple[SkippedPath, ...]
    skipped_total: int
    duration_seconds: float


class ScanRunner:
    """Runs full scans of ``root`` through the shared pending files, settle loop and publisher."""

    def __init__(
        self,
        root: str,
        *,
        settings: WatcherSettings,
        pending: PendingFiles,
        publisher: Publisher,
        settler: Settler,
        skips: SkipRecorder,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.root = root
        self.settings = settings
        self.pending = pending
        self.publisher = publisher
        self.settler = settler
        self.skips = skips
        self.progress = progress

    async def run(self, *, keep_unsettled: bool) -> ScanReport:
        """Scan once. ``keep_unsettled``: files still changing at the end stay pending (the watcher goes on)."""
        scan_id = uuid4()
        started = time.monotonic()
        scan_skips = self.skips.begin_scan(scan_id)
        log.info("scan %s of %s started", scan_id, printable_path(self.root))
        try:
            published = await self._walk(scan_id)
            await self._wait_for_unsettled(scan_id, keep_unsettled=keep_unsettled)
            files_seen = published + self.settler.published_for_scan[scan_id]
            await self.publisher.publish_group(
                [ScanCompleted(root=self.root, scan_id=scan_id, files_seen=files_seen)], raise_errors=True
            )
        finally:
            self.settler.published_for_scan.pop(scan_id, None)
            self.skips.end_scan(scan_id)
            if keep_unsettled:  # an interrupted scan: its unsettled files are plain discoveries now
                self.pending.release_scan(scan_id)
            else:
                self.pending.drop_scan(scan_id)
        report = ScanReport(
            root=self.root,
            scan_id=scan_id,
            files_seen=files_seen,
            skipped=tuple(scan_skips.items()),
            skipped_total=scan_skips.total,
            duration_seconds=time.monotonic() - started,
        )
        log.info(
            "scan %s of %s completed: %d files in %.1fs, %d skipped",
            scan_id,
            printable_path(self.root),
            files_seen,
            report.duration_seconds,
            report.skipped_total,
        )
        return report

    async def _walk(self, scan_id: UUID) -> int:
        """Walk the tree; publish settled files at once, make fresh ones pending. Returns how many were published."""
        settle = self.settings.settle_seconds
        found = published = 0
        async with ScanStream(TreeWalker(self.root), self.settings.scan_batch_size) as stream:
            while batch := await stream.next_batch():
                wall, now = time.time(), time.monotonic()
                ready: list[ScannedFile] = []
                for item in batch:
                    if isinstance(item, SkippedPath):
                        self.skips.record(item, scan_id)
                        continue
                    found += 1
                    if item.path in self.pending or not settled_by_age(item.mtime, wall, settle):
                        reason = Reason(Intent.DISCOVERED, uuid4(), scan_id)
                        self.pending.add(item.path, reason, now, item.size, item.mtime)
                    else:
                        ready.append(ScannedFile(path=item.path, size=item.size, mtime=item.mtime))
                published += await self._publish_pages(scan_id, ready)
                if self.progress is not None:
                    self.progress(found)
        return published

    async def _publish_pages(self, scan_id: UUID, files: list[ScannedFile]) -> int:
        """``files`` in as few ``FilesScanned`` pages as fit; returns how many files went out (all, or it raises)."""
        pages = [
            FilesScanned(scan_id=scan_id, files=tuple(files[start : start + MAX_PAGE_FILES]))
            for start in range(0, len(files), MAX_PAGE_FILES)
        ]
        await self.publisher.publish_group(pages, raise_errors=True)
        return len(files)

    async def _wait_for_unsettled(self, scan_id: UUID, *, keep_unsettled: bool) -> None:
        """Wait until none of this scan's files is still settling, or give up on them after ``max_settle_wait``.

        A file still changing once the settle time has passed is named (a warning, once per file): the scan may wait
        minutes for it, and the person waiting should know for what.
        """
        started = time.monotonic()
        deadline = started + self.settings.max_settle_wait
        named: set[str] = set()
        while True:
            async with self.settler.lock:  # no round is half-way through publishing this scan's files
                if not self.pending.count_for_scan(scan_id):
                    return
                if time.monotonic() >= deadline:
                    self._give_up(scan_id, keep_unsettled=keep_unsettled)
                    return
                if time.monotonic() - started > self.settings.settle_seconds:
                    self._name_waiting(scan_id, named)
            await asyncio.sleep(self.settings.poll_seconds)

    def _name_waiting(self, scan_id: UUID, named: set[str]) -> None:
        for path in self.pending.paths_for_scan(scan_id):
            if path not in named:
                named.add(path)
                log.warning(
                    "waiting for %s: still being written (left out of this scan if it still changes after %.0f s)",
                    printable_path(path),
                    self.settings.max_settle_wait,
                )

    def _give_up(self, scan_id: UUID, *, keep_unsettled: bool) -> None:
        wait = self.settings.max_settle_wait
        if keep_unsettled:
            paths = self.pending.release_scan(scan_id)
            reason = f"still being written after {wait:.0f}s; not part of this scan, reported once it settles"
        else:
            paths = self.pending.drop_scan(scan_id)
            reason = f"still being written after {wait:.0f}s; not reported"
        for path in paths:
            self.skips.record(SkippedPath(path, reason), scan_id)
