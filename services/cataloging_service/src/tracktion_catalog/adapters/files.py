"""Read one file completely: stat, tags, both hashes. Blocking; the jobs run it in a worker thread.

The answer is one of three, never an exception for a bad file:

* :class:`Readable` -- the file is audio; here are its hashes, tags, and the size/mtime it had while read;
* :class:`Unreadable` -- it is there but cannot be cataloged (empty, not audio, truncated, permission denied);
* :class:`Vanished` -- it was deleted before or while it was read.

Only trouble that may pass by itself raises (:class:`~tracktion_catalog.errors.FileInFlux`): the file changed while
it was read, or an I/O error such as a network share timing out, so the bus delivers the message again later.

Order matters for cost: tags are read first (a few KB), so a text file named ``.mp3`` is rejected without hashing.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass

from tracktion_catalog.adapters.audio import read_audio
from tracktion_catalog.adapters.hashing import DEFAULT_CHUNK_SIZE, hash_stream
from tracktion_catalog.domain.facts import AudioFacts, Digests
from tracktion_catalog.errors import BadFile, FileInFlux

__all__ = ["Inspection", "Inspector", "Readable", "Unreadable", "Vanished", "inspect_file"]


@dataclass(frozen=True, slots=True)
class Readable:
    size: int
    mtime: float
    digests: Digests
    audio: AudioFacts


@dataclass(frozen=True, slots=True)
class Unreadable:
    """``size``/``mtime`` are None when the file could not even be opened (then every scan tries it again)."""

    reason: str
    size: int | None = None
    mtime: float | None = None


@dataclass(frozen=True, slots=True)
class Vanished:
    reason: str


Inspection = Readable | Unreadable | Vanished

#: what the jobs call to read a file: ``(path, chunk_size) -> Inspection`` (tests wrap it to count reads)
Inspector = Callable[[str, int], Inspection]

# errors that say "this path cannot be read", as opposed to "the disk or network failed just now"
_REFUSED = {errno.EACCES, errno.EPERM, errno.EISDIR, errno.ELOOP, errno.ENAMETOOLONG, errno.ENOTDIR, errno.ENXIO}


def inspect_file(path: str, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Inspection:
    """Everything the catalog needs to know about the file at ``path``, in one open and one read pass."""
    try:
        with open(path, "rb") as stream:
            return _inspect_open(path, stream, chunk_size)
    except FileNotFoundError:
        return Vanished("deleted before it could be read")
    except OSError as exc:
        if exc.errno in _REFUSED:
            return Unreadable(f"cannot open: {exc.strerror or exc}")
        raise FileInFlux(f"could not read {path}: {exc.strerror or exc}") from exc


def _inspect_open(path: str, stream: io.BufferedReader, chunk_size: int) -> Inspection:
    before = os.fstat(stream.fileno())
    size, mtime = before.st_size, before.st_mtime
    if not stat.S_ISREG(before.st_mode):
        return Unreadable("not a regular file", size, mtime)
    if size == 0:
        return Unreadable("empty file (0 bytes)", size, mtime)
    try:
        audio = read_audio(stream, size)
    except BadFile as exc:
        return Unreadable(str(exc), size, mtime)
    stream.seek(0)
    digests = hash_stream(stream, chunk_size)
    after = os.fstat(stream.fileno())
    if after.st_nlink == 0:
        return Vanished("deleted while it was being read")
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise FileInFlux(f"{path} changed while it was being read; trying again later", delay=2.0)
    return Readable(size=size, mtime=mtime, digests=digests, audio=audio)
