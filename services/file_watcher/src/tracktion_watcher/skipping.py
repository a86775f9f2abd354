"""Recording skipped paths: logged once with their reason, kept for the caller, and counted per scan.

The watcher as a whole keeps the recent skips (the service's log and ``Watcher.skipped``); each scan also keeps its
own list for its :class:`~tracktion_watcher.scan.ScanReport`, so ``tracktion scan`` prints what that scan left out
even when an earlier scan already logged the same path.
"""

from __future__ import annotations

import logging
from uuid import UUID

from tracktion_watcher.domain.skips import SkipLog, SkippedPath

__all__ = ["SkipRecorder"]

log = logging.getLogger("tracktion.watcher")


class SkipRecorder:
    """The watcher's skip log plus one per running scan."""

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self.recent = SkipLog(limit)
        self._per_scan: dict[UUID, SkipLog] = {}

    def begin_scan(self, scan_id: UUID) -> SkipLog:
        log_for_scan = SkipLog(self.limit)
        self._per_scan[scan_id] = log_for_scan
        return log_for_scan

    def end_scan(self, scan_id: UUID) -> None:
        self._per_scan.pop(scan_id, None)

    def record(self, skipped: SkippedPath, scan_id: UUID | None = None) -> None:
        """Keep ``skipped`` (for ``scan_id`` too, when a scan met it); log it the first time it is seen."""
        if scan_id is not None and (per_scan := self._per_scan.get(scan_id)) is not None:
            per_scan.add(skipped)
        if self.recent.add(skipped):
            log.warning("skipped %s: %s", skipped.display_path, skipped.reason)
