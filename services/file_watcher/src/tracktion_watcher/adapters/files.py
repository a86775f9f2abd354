"""Stat calls that never raise: a file is either there with a size and mtime, gone, or unreadable for a reason.

Used for files the watcher already believes are audio; a vanished file is normal (deleted while we looked) and
reported as ``None``, every other failure becomes a :class:`~tracktion_watcher.domain.skips.SkippedPath`.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass

from tracktion_watcher.domain.skips import SkippedPath

__all__ = ["FileStat", "StatResult", "stat_file", "stat_many"]


@dataclass(frozen=True, slots=True)
class FileStat:
    """What the catalog needs to skip an unchanged file: ``st_size`` and ``st_mtime`` (of the link's target)."""

    size: int
    mtime: float


StatResult = FileStat | SkippedPath | None


def reason_for(exc: OSError, what: str) -> str:
    """A short, human reason for an ``OSError`` met while doing ``what``."""
    if isinstance(exc, PermissionError):
        return f"permission denied ({what})"
    if exc.errno == errno.ELOOP:
        return f"symlink loop ({what})"
    return f"{exc.strerror or type(exc).__name__} ({what})"


def stat_file(path: str) -> StatResult:
    """Stat ``path`` following symlinks: its size and mtime, None if it is gone, or why it cannot be reported."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return SkippedPath(path, "broken symlink")
        return None
    except OSError as exc:
        return SkippedPath(path, reason_for(exc, "stat"))
    if not stat.S_ISREG(st.st_mode):
        return SkippedPath(path, "not a regular file")
    return FileStat(st.st_size, st.st_mtime)


def stat_many(paths: Sequence[str]) -> list[StatResult]:
    """:func:`stat_file` for each path, in order; meant to run in a worker thread."""
    return [stat_file(path) for path in paths]
