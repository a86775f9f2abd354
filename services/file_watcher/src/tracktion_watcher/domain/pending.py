"""Files waiting to settle, and what to tell the catalog about each once it has.

A path becomes pending because a scan found it freshly written, or because an event said it was created or
modified. Several reasons can pile up on one path before it settles (created, then modified a hundred times, then
found by a sweep); they merge into one :class:`Reason`, so one change still yields one message:

* a path the catalog has never been told about (``DISCOVERED``) stays a discovery, whatever else happens to it;
* a scan that finds a pending path adopts it: it is reported with that scan's id and counted in its total;
* the correlation id is the one given when the path first became pending, so every log line of the change shares it.
"""

from __future__ import annotations

import enum
import os
from collections import Counter
from dataclasses import dataclass, replace
from uuid import UUID

from tracktion_watcher.domain.stability import StabilityTracker, StableFile

__all__ = ["Intent", "PendingFiles", "Ready", "Reason", "merge"]


class Intent(enum.Enum):
    """What the catalog will be told once the file settles."""

    DISCOVERED = "discovered"  # a new file (or one found by a scan): FileDiscovered
    CHANGED = "changed"  # a file the catalog knows, rewritten: FileChanged


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a path is pending; ``scan_id`` is set when a full scan found it and counts it in ``files_seen``."""

    intent: Intent
    correlation_id: UUID
    scan_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class Ready:
    """A pending path that settled, with what to report about it."""

    file: StableFile
    reason: Reason


def merge(old: Reason, new: Reason) -> Reason:
    """One reason for two: a discovery stays a discovery, the newest scan adopts the path, the first id is kept."""
    intent = Intent.DISCOVERED if Intent.DISCOVERED in (old.intent, new.intent) else Intent.CHANGED
    return Reason(intent, old.correlation_id, new.scan_id or old.scan_id)


class PendingFiles:
    """A :class:`StabilityTracker` plus the reason each tracked path will be reported for."""

    def __init__(self, settle_seconds: float) -> None:
        self.tracker = StabilityTracker(settle_seconds)
        self._reasons: dict[str, Reason] = {}
        self._per_scan: Counter[UUID] = Counter()

    def __len__(self) -> int:
        return len(self._reasons)

    def __contains__(self, path: object) -> bool:
        return path in self._reasons

    def paths(self) -> list[str]:
        return list(self._reasons)

    def reason(self, path: str) -> Reason | None:
        return self._reasons.get(path)

    def count_for_scan(self, scan_id: UUID) -> int:
        """How many files found by scan ``scan_id`` are still settling."""
        return self._per_scan[scan_id]

    def paths_for_scan(self, scan_id: UUID) -> list[str]:
        """The files found by scan ``scan_id`` that are still settling."""
        return (
            [path for path, reason in self._reasons.items() if reason.scan_id == scan_id]
            if scan_id in self._per_scan
            else []
        )

    def _set_reason(self, path: str, reason: Reason) -> None:
        old = self._reasons.get(path)
        if old is not None and old.scan_id is not None:
            self._per_scan[old.scan_id] -= 1
        self._reasons[path] = reason
        if reason.scan_id is not None:
            self._per_scan[reason.scan_id] += 1

    def _drop_reason(self, path: str) -> Reason | None:
        reason = self._reasons.pop(path, None)
        if reason is not None and reason.scan_id is not None:
            self._per_scan[reason.scan_id] -= 1
            if not self._per_scan[reason.scan_id]:
                del self._per_scan[reason.scan_id]
        return reason

    def add(self, path: str, reason: Reason, now: float, size: int | None = None, mtime: float | None = None) -> Reason:
        """Make ``path`` pending (or merge ``reason`` into its pending one); returns the reason now in force.

        With ``size``/``mtime`` the path is observed at once; without, it changed at ``now`` and waits to be stat'ed.
        """
        old = self._reasons.get(path)
        merged = reason if old is None else merge(old, reason)
        self._set_reason(path, merged)
        if size is None or mtime is None:
            self.tracker.touch(path, now)
        else:
            self.tracker.observe(path, size, mtime, now)
        return merged

    def touch(self, path: str, now: float) -> bool:
        """An event says the pending ``path`` changed again; False when it is not pending."""
        if path not in self._reasons:
            return False
        self.tracker.touch(path, now)
        return True

    def observe(self, path: str, size: int, mtime: float, now: float) -> bool:
        """A stat of the pending ``path``; False when it is not pending (any more)."""
        if path not in self._reasons:
            return False
        self.tracker.observe(path, size, mtime, now)
        return True

    def remove(self, path: str) -> Reason | None:
        """Stop waiting for ``path`` (deleted, vanished, renamed away); returns why it was pending."""
        self.tracker.forget(path)
        return self._drop_reason(path)

    def remove_under(self, directory: str) -> list[tuple[str, Reason]]:
        """Stop waiting for every path inside ``directory`` (it was deleted); returns them with their reasons."""
        prefix = directory.rstrip(os.sep) + os.sep
        gone: list[tuple[str, Reason]] = []
        for path in [p for p in self._reasons if p.startswith(prefix)]:
            reason = self.remove(path)
            if reason is not None:
                gone.append((path, reason))
        return gone

    def move(self, old: str, new: str) -> Reason | None:
        """``old`` was renamed to ``new``: keep waiting under the new name; returns the reason, None if not pending."""
        reason = self._drop_reason(old)
        if reason is None:
            return None
        self._drop_reason(new)  # a rename over a pending file replaces it
        self.tracker.rename(old, new)
        self._set_reason(new, reason)
        return reason

    def pop_stable(self, now: float) -> list[Ready]:
        """The pending paths that settled by ``now``, removed (each is reported exactly once)."""
        ready: list[Ready] = []
        for stable in self.tracker.pop_stable(now):
            reason = self._drop_reason(stable.path)
            if reason is not None:
                ready.append(Ready(stable, reason))
        return ready

    def release_scan(self, scan_id: UUID) -> list[str]:
        """Detach scan ``scan_id`` from its still-settling paths: they stay pending as plain discoveries."""
        released = [p for p, r in self._reasons.items() if r.scan_id == scan_id]
        for path in released:
            self._set_reason(path, replace(self._reasons[path], scan_id=None))
        self._per_scan.pop(scan_id, None)
        return released

    def drop_scan(self, scan_id: UUID) -> list[str]:
        """Stop waiting for the still-settling paths of scan ``scan_id`` (a scan without a watcher after it)."""
        dropped = [p for p, r in self._reasons.items() if r.scan_id == scan_id]
        for path in dropped:
            self.remove(path)
        return dropped
