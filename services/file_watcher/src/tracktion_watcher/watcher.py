"""The watcher as callers see it: ``scan()`` once, or ``watch()`` until told to stop.

It wires the parts together -- pending files, the settle loop, the publisher, the scanner, the live event handler
-- around one root folder and one bus, and owns their lifecycle: the observer thread is started before the initial
scan (so nothing written during the scan is missed) and stopped and joined on the way out, however ``watch()`` ends.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path

from tracktion_shared.bus.base import Bus
from tracktion_watcher.adapters.observer import EventSource
from tracktion_watcher.adapters.publisher import Publisher
from tracktion_watcher.domain.changes import EventRules
from tracktion_watcher.domain.filters import printable_path
from tracktion_watcher.domain.pending import PendingFiles
from tracktion_watcher.domain.skips import SkippedPath
from tracktion_watcher.errors import WatchFolderError
from tracktion_watcher.live import LiveEvents
from tracktion_watcher.scan import ProgressCallback, ScanReport, ScanRunner
from tracktion_watcher.settings import WatcherSettings
from tracktion_watcher.settle import Settler
from tracktion_watcher.skipping import SkipRecorder

__all__ = ["ReportCallback", "Watcher"]

log = logging.getLogger("tracktion.watcher")

#: called with the report of every full scan (the initial one and each reconciliation sweep).
ReportCallback = Callable[[ScanReport], None]


def _check_root(root: str) -> None:
    if not os.path.isdir(root):
        what = "does not exist" if not os.path.lexists(root) else "is not a directory"
        raise WatchFolderError(f"cannot watch {printable_path(root)}: it {what}")


class Watcher:
    """Reports the audio files under ``root`` to ``bus``: a full scan, then (``watch``) every change as it happens.

    ``progress`` is called with the number of files found so far during every scan; ``on_report`` with each scan's
    :class:`ScanReport`. Paths in messages are absolute and not resolved (``os.path.abspath``).
    """

    def __init__(
        self,
        root: Path | str,
        bus: Bus,
        settings: WatcherSettings | None = None,
        *,
        progress: ProgressCallback | None = None,
        on_report: ReportCallback | None = None,
    ) -> None:
        self.root = os.path.abspath(os.path.expanduser(os.fspath(root)))
        self.bus = bus
        self.settings = settings or WatcherSettings()
        self.on_report = on_report
        self.last_report: ScanReport | None = None
        self._skips = SkipRecorder()
        self._pending = PendingFiles(self.settings.settle_seconds)
        self._publisher = Publisher(bus, self.settings.publish_concurrency)
        self._settler = Settler(self._pending, self._publisher, self._skips, self.settings.poll_seconds)
        self._scans = ScanRunner(
            self.root,
            settings=self.settings,
            pending=self._pending,
            publisher=self._publisher,
            settler=self._settler,
            skips=self._skips,
            progress=progress,
        )
        self._live = LiveEvents(EventRules(self.root, self._pending), self._publisher, self._skips)
        self._scan_lock = asyncio.Lock()
        self._watching = False

    @property
    def skipped(self) -> list[SkippedPath]:
        """Paths skipped since this watcher was made (the most recent 10 000), oldest first."""
        return self._skips.recent.items()

    @property
    def pending_count(self) -> int:
        """How many files are still being written (waiting to settle)."""
        return len(self._pending)

    async def scan(self) -> ScanReport:
        """One full scan: settled files in FilesScanned pages (late ones as FileDiscovered), then ScanCompleted.

        Raises :class:`~tracktion_watcher.errors.WatchFolderError` when the root cannot be listed (and then sends no
        ScanCompleted), and whatever the bus raises when it cannot take a message.
        """
        async with self._scan_lock, self._settler.running():
            report = await self._scans.run(keep_unsettled=self._watching)
        self.last_report = report
        if self.on_report is not None:
            self.on_report(report)
        return report

    async def watch(self, stop: asyncio.Event | None = None) -> None:
        """Scan, then report live changes and sweep every ``reconcile_seconds`` until cancelled or ``stop`` is set.

        A failing initial scan ends ``watch`` with its error; a failing sweep is logged and tried again next time.
        """
        await asyncio.to_thread(_check_root, self.root)
        source = EventSource(self.root, polling=self.settings.polling, polling_interval=self.settings.polling_interval)
        async with source, self._settler.running():
            self._watching = True
            tasks = {
                asyncio.create_task(self._live.consume(source), name="watcher:events"),
                asyncio.create_task(self._sweep(), name="watcher:sweep"),
                asyncio.create_task(self._keep_observing(source), name="watcher:observer-check"),
            }
            stopper = asyncio.create_task((stop or asyncio.Event()).wait(), name="watcher:stop")
            try:
                await self._until_stopped(tasks, stopper)
            finally:
                self._watching = False
                for task in (*tasks, stopper):
                    task.cancel()
                await asyncio.gather(*tasks, stopper, return_exceptions=True)
                log.info("stopped watching %s", printable_path(self.root))

    @staticmethod
    async def _until_stopped(tasks: set[asyncio.Task[None]], stopper: asyncio.Task[bool]) -> None:
        """Wait for ``stopper``; re-raise the first error of ``tasks`` (a task that just returns is fine)."""
        running = {*tasks, stopper}
        while stopper in running:
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not stopper:
                    task.result()

    async def _sweep(self) -> None:
        await self.scan()
        interval = self.settings.reconcile_seconds
        if interval <= 0:
            return
        while True:
            await asyncio.sleep(interval)
            try:
                await self.scan()
            except WatchFolderError as exc:
                log.error("reconciliation sweep skipped, trying again in %.0fs: %s", interval, exc)
            except Exception:
                log.exception("reconciliation sweep failed, trying again in %.0fs", interval)

    async def _keep_observing(self, source: EventSource) -> None:
        """Restart an observer that has stopped, then scan to catch up on what it missed.

        Observers stop for good when their folder disappears (an unmounted share, a deleted and recreated folder).
        """
        interval = self.settings.observer_check_seconds
        said_so = False  # say once that it is down, not every few seconds while a share stays away
        while True:
            await asyncio.sleep(interval)
            if source.healthy:
                continue
            try:
                await asyncio.to_thread(_check_root, self.root)
                await source.restart()
            except (WatchFolderError, OSError) as exc:
                level = logging.DEBUG if said_so else logging.WARNING
                log.log(level, "the file system observer has stopped and cannot restart yet (%s); retrying", exc)
                said_so = True
                continue
            said_so = False
            log.warning("the file system observer had stopped; restarted it, rescanning to catch up")
            try:
                await self.scan()
            except Exception:
                log.exception("catch-up scan failed; the next reconciliation sweep will repeat it")
