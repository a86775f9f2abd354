"""tracktion's file watcher: tells the catalog about every audio file under a folder, and every change to one.

A full scan reports what is there (``FilesScanned`` pages with a ``scan_id``, then ``ScanCompleted``); watching then
reports creations, changes, moves and deletions as they happen, each once the file has stopped changing, plus a
periodic reconciliation sweep for what inotify misses on network shares. The watcher never reads file contents.

The CLI uses :class:`Watcher` in-process; the service entry point is :func:`tracktion_watcher.service.main`.
"""

from __future__ import annotations

from tracktion_watcher.domain.skips import SkippedPath
from tracktion_watcher.errors import WatchFolderError
from tracktion_watcher.scan import ProgressCallback, ScanReport
from tracktion_watcher.settings import WatcherSettings
from tracktion_watcher.watcher import ReportCallback, Watcher

__all__ = [
    "ProgressCallback",
    "ReportCallback",
    "ScanReport",
    "SkippedPath",
    "WatchFolderError",
    "Watcher",
    "WatcherSettings",
]
