"""When a file has stopped changing: the answer to partial copies, without reading a byte of them.

A file being copied, downloaded or recorded grows for a while; reporting it early would make the catalog hash half a
file. So a path is only reported once its size and mtime have stayed the same for ``settle_seconds``. The tracker is
pure: callers feed it observations (path, size, mtime, now) and ask which paths have settled; ``now`` is any
monotonic clock, so tests drive it by hand. A path is handed out once and then forgotten, which is what turns a burst
of modification events from one write into exactly one message.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["StabilityTracker", "StableFile", "settled_by_age"]


@dataclass(frozen=True, slots=True)
class StableFile:
    """A path whose size and mtime have not changed for the settle time; the values it settled at."""

    path: str
    size: int
    mtime: float


@dataclass(slots=True)
class _Entry:
    size: int | None  # None until the file has been stat'ed once
    mtime: float | None
    since: float  # when it last changed (or first showed up)


class StabilityTracker:
    """Paths that changed recently, each with the last size/mtime seen and when that last changed."""

    def __init__(self, settle_seconds: float) -> None:
        if settle_seconds < 0:
            raise ValueError("settle_seconds must not be negative")
        self.settle_seconds = settle_seconds
        self._entries: dict[str, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, path: object) -> bool:
        return path in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._entries))

    def observe(self, path: str, size: int, mtime: float, now: float) -> None:
        """Record what a stat saw; a new path or a different size/mtime restarts its settle clock at ``now``."""
        entry = self._entries.get(path)
        if entry is None:
            self._entries[path] = _Entry(size, mtime, now)
        elif entry.size != size or entry.mtime != mtime:
            entry.size, entry.mtime, entry.since = size, mtime, now

    def touch(self, path: str, now: float) -> None:
        """The path changed at ``now`` (an event said so) but was not stat'ed: restart its clock, keep the values.

        A path first seen through ``touch`` is never stable before it has been observed at least once.
        """
        entry = self._entries.get(path)
        if entry is None:
            self._entries[path] = _Entry(None, None, now)
        else:
            entry.since = now

    def forget(self, path: str) -> bool:
        """Stop tracking ``path``; False when it was not tracked."""
        return self._entries.pop(path, None) is not None

    def rename(self, old: str, new: str) -> bool:
        """Carry ``old``'s state over to ``new`` (replacing what ``new`` had); False when ``old`` was not tracked."""
        entry = self._entries.pop(old, None)
        if entry is None:
            return False
        self._entries[new] = entry
        return True

    def is_stable(self, path: str, now: float) -> bool:
        entry = self._entries.get(path)
        return entry is not None and entry.size is not None and now - entry.since >= self.settle_seconds

    def pop_stable(self, now: float) -> list[StableFile]:
        """The paths that have settled by ``now``, removed from the tracker (so each is reported once)."""
        ready: list[StableFile] = []
        for path, entry in list(self._entries.items()):
            if entry.size is not None and entry.mtime is not None and now - entry.since >= self.settle_seconds:
                ready.append(StableFile(path, entry.size, entry.mtime))
                del self._entries[path]
        return ready


def settled_by_age(mtime: float, wall_now: float, settle_seconds: float) -> bool:
    """A file last written at least ``settle_seconds`` ago (by the wall clock) is complete: report it at once.

    This is what keeps a big initial scan from waiting: only files written in the last moments need watching.
    A future mtime (clock skew on a network share) is never settled by age; such a file waits like a new one.
    """
    return wall_now - mtime >= settle_seconds
