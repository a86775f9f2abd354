"""Paths the watcher could not report, and why: kept for the person running it, never a reason to stop.

A music folder always holds a few oddities -- an unreadable directory, a symlink loop, a name in a legacy encoding,
a file deleted while the scan looked at it. Each is logged once with its reason and kept here, so ``tracktion scan``
can list them at the end. The log is bounded: a pathological tree cannot make it grow without limit.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from tracktion_watcher.domain.filters import printable_path

__all__ = ["SkipLog", "SkippedPath"]


@dataclass(frozen=True, slots=True)
class SkippedPath:
    """A path left out, and why. ``path`` may hold surrogate escapes; print :attr:`display_path` instead."""

    path: str
    reason: str

    @property
    def display_path(self) -> str:
        return printable_path(self.path)

    def __str__(self) -> str:
        return f"{self.display_path}: {self.reason}"


class SkipLog:
    """The most recent ``limit`` distinct skips (oldest dropped first), plus how many were recorded in total."""

    def __init__(self, limit: int = 10_000) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.total = 0
        self._items: OrderedDict[tuple[str, str], SkippedPath] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def add(self, skipped: SkippedPath) -> bool:
        """Record a skip; False when the same path was already recorded for the same reason (say it only once)."""
        key = (skipped.path, skipped.reason)
        if key in self._items:
            self._items.move_to_end(key)
            return False
        self.total += 1
        self._items[key] = skipped
        while len(self._items) > self.limit:
            self._items.popitem(last=False)
        return True

    def items(self) -> list[SkippedPath]:
        """The recorded skips, oldest first."""
        return list(self._items.values())
