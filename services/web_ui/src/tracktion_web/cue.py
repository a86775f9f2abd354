"""Serving a tracklist's .cue sheet without ever serving anything else.

The only path served is the one the tracklist service recorded in the catalog for that tracklist; nothing from the
request becomes a path. Even that path is checked: it must be absolute, end in ``.cue``, and be a regular file
itself (a symlink named ``x.cue`` could point at any file the UI can read). It is opened with ``O_NOFOLLOW`` and
checked again on the open descriptor, so it cannot be swapped for a link between the check and the read.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MAX_CUE_BYTES", "CueFile", "CueProblem", "cue_problem", "read_cue"]

#: a cue sheet of a 10-hour set with 500 tracks is about 100 kB; anything this large is not one
MAX_CUE_BYTES = 4 * 1024 * 1024


class CueProblem(Exception):
    """The tracklist's .cue cannot be served; the message says why (shown to the user with the 404)."""


@dataclass(frozen=True, slots=True)
class CueFile:
    name: str
    content: bytes


def cue_problem(recorded: str | None) -> str | None:  # noqa: PLR0911 (one return per reason)
    """Why the recorded ``cue_file_path`` cannot be served, or None when it can (checked without opening it)."""
    if not recorded:
        return "no .cue sheet was written for this tracklist"
    if "\x00" in recorded:
        return "the recorded .cue path is not a valid path"
    path = Path(recorded)
    if not path.is_absolute():
        return "the recorded .cue path is not absolute"
    if path.suffix.lower() != ".cue":
        return "the recorded path is not a .cue file"
    try:
        info = path.lstat()
    except (OSError, ValueError):
        return "the .cue file is gone"
    if not stat.S_ISREG(info.st_mode):
        return "the recorded .cue path is not a regular file"
    return None


def read_cue(recorded: str | None) -> CueFile:
    """The recorded .cue sheet's name and bytes; :class:`CueProblem` when it cannot be served."""
    problem = cue_problem(recorded)
    if problem is not None or recorded is None:
        raise CueProblem(problem or "no .cue sheet was written for this tracklist")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(recorded, flags)
    except (OSError, ValueError) as error:
        raise CueProblem("the .cue file cannot be opened") from error
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise CueProblem("the recorded .cue path is not a regular file")
        if info.st_size > MAX_CUE_BYTES:
            raise CueProblem("the recorded .cue file is too large to be a cue sheet")
        return CueFile(name=Path(recorded).name, content=handle.read(MAX_CUE_BYTES + 1))
