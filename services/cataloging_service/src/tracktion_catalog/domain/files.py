"""When a file needs reading again, and which path speaks for a recording.

Reading a file (a full hash pass) is the expensive step; a rescan of an unchanged library must avoid it entirely.
The catalog trusts ``size`` + ``mtime``: when a scan reports the pair the catalog stored after its last read, the
file is the one already cataloged.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

__all__ = ["KnownFile", "StoredFile", "choose_primary", "folder_prefix", "is_unchanged", "move_keeps_content"]


class StoredFile(Protocol):
    """A stored ``files`` row, as an ORM entity or a light query row."""

    @property
    def status(self) -> str: ...
    @property
    def size(self) -> int | None: ...
    @property
    def mtime(self) -> float | None: ...
    @property
    def recording_id(self) -> uuid.UUID | None: ...


@dataclass(frozen=True, slots=True)
class KnownFile:
    """What the catalog stored about a path."""

    status: str
    size: int | None
    mtime: float | None
    recording_id: uuid.UUID | None

    @classmethod
    def of(cls, row: StoredFile) -> KnownFile:
        return cls(row.status, row.size, row.mtime, row.recording_id)


def _same_stat(known: KnownFile, size: int | None, mtime: float | None) -> bool:
    return size is not None and mtime is not None and known.size == size and known.mtime == mtime


def _settled(known: KnownFile) -> bool:
    """Cataloged (present with a recording) or known to be bad (failed): either way, nothing left to do."""
    return (known.status == "present" and known.recording_id is not None) or known.status == "failed"


def is_unchanged(known: KnownFile | None, size: int | None, mtime: float | None) -> bool:
    """True when a report of ``size``/``mtime`` needs no reading: the file is settled and has exactly that pair.

    A missing file that reappears is read again (it may be something else now); so is one reported without a size
    or mtime, and one stored without them (a file that could not even be opened is retried on every scan).
    """
    return known is not None and _settled(known) and _same_stat(known, size, mtime)


def move_keeps_content(known: KnownFile, size: int | None, mtime: float | None) -> bool:
    """True when a moved file can keep its row as it is: settled, and not reported with a different size/mtime.

    A rename keeps size and mtime, so a move that reports neither is taken at its word.
    """
    if not _settled(known):
        return False
    return (size is None or size == known.size) and (mtime is None or mtime == known.mtime)


def choose_primary(current: str, present: Mapping[str, float | None]) -> str:
    """The path a recording should name, from its present files (path -> mtime): the oldest, then the first path.

    The oldest copy is the original one as far as the file system can tell (a copy gets a new mtime, a rename keeps
    it), and the choice does not depend on which copy handlers happened to commit first. With no present file the
    recording keeps the path it had (where it was last seen).
    """
    if not present:
        return current
    return min(present, key=lambda path: (present[path] is None, present[path] or 0.0, path))


def folder_prefix(root: str) -> str:
    """``root`` with exactly one trailing separator, so ``/music`` does not also match ``/music2/x``."""
    return root if root.endswith(os.sep) else root + os.sep
